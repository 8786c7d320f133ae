import { expect, test } from "@playwright/test";
import { expectSignedIn, firstStartAdmin, signIn, watchConsole } from "./admin";

test("issue a license, find it in the list, open it and revoke it", async ({ page, javaScriptEnabled }) => {
  const errors = watchConsole(page);
  const { email, password } = firstStartAdmin();
  await signIn(page, email, password);
  await expectSignedIn(page, email);
  const company = `E2E ${javaScriptEnabled ? "on" : "off"} ${Date.now()}`;

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Licenses" }).click();
  await page.getByRole("link", { name: "Issue a license" }).click();
  await page.getByLabel("Customer e-mail").fill("buyer@example.com");
  await page.getByLabel("Company").fill(company);
  await page.getByLabel("Product key").fill("studio");
  await page.getByLabel("Tier").selectOption("growth");
  await page.getByLabel("Domains").fill("app.example.com");
  await page.getByRole("button", { name: "Issue license" }).click();
  // A subdomain is refused with the reason, and nothing typed is lost.
  await expect(page.getByRole("alert")).toContainText("example.com");
  await expect(page.getByLabel("Company")).toHaveValue(company);
  await page.getByLabel("Domains").fill("example.com");
  await page.getByRole("button", { name: "Issue license" }).click();

  const token = page.getByTestId("token");
  await expect(token).toHaveValue(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  await expect(page.getByText("This token is shown once")).toBeVisible();

  await page.goto(`/licenses?q=${encodeURIComponent(company)}`);
  await expect(page.getByTestId("license-total")).toHaveText("1 license(s)");
  const row = page.getByRole("row", { name: new RegExp(company) });
  await expect(row.getByText("active")).toBeVisible();
  await row.getByRole("link").first().click();

  await expect(page.getByTestId("license-status")).toHaveText("active");
  await page.getByLabel("Reason for revoking").fill("refund requested");
  await page.getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByTestId("license-status")).toHaveText("revoked");
  await expect(page.getByText("(refund requested)")).toBeVisible();

  await page.goto(`/licenses?q=${encodeURIComponent(company)}&status=revoked`);
  await expect(page.getByRole("row", { name: new RegExp(company) }).getByText("revoked")).toBeVisible();
  // The refused submission answered 422 on purpose; nothing else may fail.
  if (javaScriptEnabled) expect(errors.filter((e) => !e.includes("422"))).toEqual([]);
});
