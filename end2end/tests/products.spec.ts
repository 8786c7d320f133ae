import { expect, test } from "@playwright/test";
import { firstStartAdmin, signIn, watchConsole } from "./admin";

test("a sysadmin adds a product, a plan and a coupon, and a storefront lists them", async ({ page, request, javaScriptEnabled }) => {
  const errors = watchConsole(page);
  const { email, password } = firstStartAdmin();
  await signIn(page, email, password);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Products" }).click();
  await expect(page.getByRole("heading", { name: "Products" })).toBeVisible();

  const run = `${javaScriptEnabled ? "on" : "off"}-${Date.now()}`;
  const slug = `chat-${run}`;
  const newProduct = page.locator("form", { has: page.getByRole("button", { name: "Create product" }) });
  await newProduct.getByLabel("Slug (a-z 0-9 -)").fill(slug);
  await newProduct.getByLabel("Name", { exact: true }).fill(`Chat ${run}`);
  await newProduct.getByLabel("Product key (the token's aud)").fill(`acme-${slug}`);
  await newProduct.getByLabel("Features (comma-separated)").fill("sso, audit-log");
  await newProduct.getByRole("button", { name: "Create product" }).click();
  await expect(page.getByRole("status")).toContainText(`created product ${slug}`);

  const card = page.getByTestId("product").filter({ hasText: `Chat ${run}` });
  await card.getByText(`Add a plan to Chat ${run}`).click();
  await card.getByLabel("Lookup key").fill(`${slug}-pro-monthly`);
  await card.getByLabel("Tier").selectOption("pro");
  await card.getByLabel("Interval").selectOption("month");
  await card.getByLabel("Price (e.g. 49.00)").fill("49,00");
  await card.getByLabel("Seats included").fill("5");
  await card.getByRole("button", { name: "Add plan" }).click();
  // A price typed the European way is refused with the reason, and what was typed stays.
  await expect(page.getByRole("alert")).toContainText('is not an amount in EUR');
  const again = page.getByTestId("product").filter({ hasText: `Chat ${run}` });
  await expect(again.getByLabel("Lookup key")).toHaveValue(`${slug}-pro-monthly`);
  await again.getByLabel("Price (e.g. 49.00)").fill("49.00");
  await again.getByRole("button", { name: "Add plan" }).click();
  await expect(page.getByRole("status")).toContainText(`created plan ${slug}-pro-monthly`);
  await expect(page.getByTestId("plan").filter({ hasText: `${slug}-pro-monthly` })).toContainText("49.00 EUR for 5 seat(s)");

  const code = `LAUNCH${javaScriptEnabled ? "ON" : "OFF"}${Date.now() % 100000}`;
  await page.getByLabel("Code").fill(code);
  await page.getByLabel("Percent off").fill("20");
  await page.getByLabel("Tiers (comma-separated; empty: all)").fill("pro");
  await page.getByLabel("Public (storefronts may show it)").check();
  await page.getByRole("button", { name: "Create coupon" }).click();
  await expect(page.getByTestId("coupon").filter({ hasText: code })).toContainText("20 %");

  // What a storefront sees, without signing in.
  const listed = await request.get(`/api/v1/products/${slug}`);
  expect(listed.status()).toBe(200);
  const product = await listed.json();
  expect(product.plans.map((p: { price: string }) => p.price)).toEqual(["49.00 EUR"]);
  expect(product.coupons.map((c: { code: string }) => c.code)).toContain(code);

  // The issue form offers it.
  await page.goto("/licenses/new");
  await page.getByLabel("Product").selectOption(`acme-${slug}`);
  await page.getByLabel("Plan").selectOption(`${slug}-pro-monthly`);

  // Deactivated, it leaves the storefront.
  await page.goto("/products");
  await page.getByTestId("product").filter({ hasText: `Chat ${run}` }).getByRole("button", { name: "Deactivate" }).first().click();
  await expect(page.getByRole("status")).toContainText(`changed product ${slug}`);
  expect((await request.get(`/api/v1/products/${slug}`)).status()).toBe(404);
  // The refused plan answered 422 on purpose; nothing else may fail.
  expect(errors.filter((e) => !e.includes("422"))).toEqual([]);
});
