import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, type Page } from "@playwright/test";

/** The vendor server's scratch folder (serve.sh), and the self-hosted one's. */
export const VENDOR_DIR = ".tmp";
export const SELF_HOST_DIR = ".tmp-self-host";

/** The administrator a server created on its first start, read from what it printed, with
 * the password it chose at its first sign-in once it has. */
export function firstStartAdmin(dir: string = VENDOR_DIR): { email: string; password: string } {
  const chosenPasswordFile = join(__dirname, "..", dir, "admin-password");
  const log = readFileSync(join(__dirname, "..", dir, "serve.log"), "utf8");
  const email = /created administrator (\S+)/.exec(log)?.[1];
  const printed = /one-time password: (\S+)/.exec(log)?.[1];
  if (!email || !printed) throw new Error(`no admin credentials in the server's output:\n${log}`);
  const chosen = existsSync(chosenPasswordFile) ? readFileSync(chosenPasswordFile, "utf8") : undefined;
  return { email, password: chosen ?? printed };
}

/** Signs in through the login form, by its labels. A first sign-in with the generated
 * password lands on the account page, which asks for a new one: choose it, then go home. */
export async function signIn(page: Page, email: string, password: string, dir: string = VENDOR_DIR) {
  const chosenPasswordFile = join(__dirname, "..", dir, "admin-password");
  await page.goto("/login");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname !== "/login" || url.search.includes("error"));
  if (new URL(page.url()).pathname !== "/account") return;
  await expect(page.getByTestId("must-change")).toBeVisible();
  const chosen = `chosen-${Date.now()}-passphrase`;
  await page.getByLabel("Current password").fill(password);
  await page.getByLabel("New password (at least 12 characters)").fill(chosen);
  await page.getByLabel("New password again").fill(chosen);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status")).toContainText("password changed");
  writeFileSync(chosenPasswordFile, chosen);
  await page.goto("/");
}

/** Fails the test on any console error (a hydration mismatch shows up there). */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  page.on("pageerror", (err) => errors.push(err.message));
  return errors;
}

export async function expectSignedIn(page: Page, email: string) {
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("signed-in-as")).toHaveText(email);
}
