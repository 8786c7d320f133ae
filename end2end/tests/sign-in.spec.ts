import { expect, test } from "@playwright/test";
import { expectSignedIn, firstStartAdmin, signIn, watchConsole } from "./admin";

test("an anonymous visitor is sent to the sign-in page", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});

test("a wrong password is refused with a clear message", async ({ page }) => {
  const { email } = firstStartAdmin();
  await signIn(page, email, "not-the-password");
  await expect(page).toHaveURL(/\/login\?error=invalid$/);
  await expect(page.getByRole("alert")).toHaveText("The e-mail or password is not right.");
});

test("the first-start admin signs in and sees the sysadmin navigation", async ({ page, javaScriptEnabled }) => {
  const errors = watchConsole(page);
  const { email, password } = firstStartAdmin();
  await signIn(page, email, password);
  await expectSignedIn(page, email);
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(page.getByTestId("license-count")).toHaveText(/^\d+$/);
  await expect(page.getByText("Verifies")).toBeVisible();

  const nav = page.getByRole("navigation", { name: "Main" });
  if (javaScriptEnabled) {
    // Wait for hydration, then mark this document: a client-side navigation keeps the mark.
    await page.waitForFunction(() => performance.getEntriesByType("resource").some((r) => r.name.endsWith(".wasm")));
    await page.waitForLoadState("networkidle");
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  }
  await nav.getByRole("link", { name: "Signing keys" }).click();
  await expect(page).toHaveURL(/\/keys$/);
  await expect(page.getByRole("heading", { name: "Signing keys" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "active" })).toBeVisible();
  if (javaScriptEnabled) {
    // Hydrated: the router navigated without a full page load, and nothing failed.
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    expect(errors).toEqual([]);
  }
});

test("the admin sees the dashboard charts and a verified audit chain", async ({ page }) => {
  const { email, password } = firstStartAdmin();
  await signIn(page, email, password);
  await expectSignedIn(page, email);
  await expect(page.getByRole("img", { name: /Licenses issued per week/ })).toBeVisible();
  await expect(page.getByRole("img", { name: /Active licenses by last heartbeat/ })).toBeVisible();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" }).click();
  await expect(page.getByTestId("chain")).toContainText("The hash chain verifies");
  await page.getByLabel("Action starts with").fill("user.");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByRole("cell", { name: "user.created" }).first()).toBeVisible();
});

test("signing out ends the session", async ({ page }) => {
  const { email, password } = firstStartAdmin();
  await signIn(page, email, password);
  await expectSignedIn(page, email);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login\?error=signed_out$/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);
});
