import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, type Page } from "@playwright/test";

/** The administrator the server created on its first start, read from what it printed. */
export function firstStartAdmin(): { email: string; password: string } {
  const log = readFileSync(join(__dirname, "..", ".tmp", "serve.log"), "utf8");
  const email = /created administrator (\S+)/.exec(log)?.[1];
  const password = /one-time password: (\S+)/.exec(log)?.[1];
  if (!email || !password) throw new Error(`no admin credentials in the server's output:\n${log}`);
  return { email, password };
}

/** Signs in through the login form, by its labels. */
export async function signIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
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
