import { expect, test } from "@playwright/test";
import { expectSignedIn, firstStartAdmin, signIn } from "./admin";

test("a sysadmin adds an operator, who must choose a password, then disables them", async ({ page, browser, javaScriptEnabled }) => {
  const { email, password } = firstStartAdmin();
  await signIn(page, email, password);
  await expectSignedIn(page, email);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  const operator = `op-${javaScriptEnabled ? "on" : "off"}-${Date.now()}@example.com`;
  await page.getByLabel("E-mail").fill(operator);
  await page.locator("form[action='/users/new']").getByLabel("Role").selectOption("operator");
  await page.getByRole("button", { name: "Create user" }).click();
  const oneTime = (await page.getByTestId("one-time-password").textContent())?.trim() ?? "";
  expect(oneTime).toMatch(/^[A-Za-z0-9]{20}$/);

  // The new operator signs in elsewhere and is held on the account page until they choose.
  const other = await browser.newContext({ javaScriptEnabled });
  const theirs = await other.newPage();
  await theirs.goto("/login");
  await theirs.getByLabel("E-mail").fill(operator);
  await theirs.getByLabel("Password").fill(oneTime);
  await theirs.getByRole("button", { name: "Sign in" }).click();
  await expect(theirs).toHaveURL(/\/account$/);
  await theirs.goto("/licenses");
  await expect(theirs).toHaveURL(/\/account$/);
  await theirs.getByLabel("Current password").fill(oneTime);
  await theirs.getByLabel("New password (at least 12 characters)").fill("the operator's own words");
  await theirs.getByLabel("New password again").fill("the operator's own words");
  await theirs.getByRole("button", { name: "Change password" }).click();
  await theirs.goto("/licenses");
  await expect(theirs.getByRole("heading", { name: "Licenses" })).toBeVisible();

  // Disabled: their open session ends at once.
  const row = page.getByRole("row", { name: new RegExp(operator) });
  await row.getByRole("button", { name: "Disable" }).click();
  await expect(page.getByRole("row", { name: new RegExp(operator) }).getByTestId("user-state")).toHaveText("disabled");
  await theirs.goto("/licenses");
  await expect(theirs).toHaveURL(/\/login$/);
  await other.close();
});
