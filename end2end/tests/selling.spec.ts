import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { firstStartAdmin, signIn, VENDOR_DIR, watchConsole } from "./admin";
import { PORT } from "../playwright.config";

const root = join(__dirname, "..");
const tessera = join(root, "..", "target", "debug", "tessera");
const STRIPE_PORT = Number(process.env.E2E_STRIPE_PORT ?? 3300);

/** Runs the CLI on the vendor server's database, selling through its stand-in; answers the
 * last line of stdout. */
function cli(args: string[]): string {
  const data = join(root, VENDOR_DIR, "data");
  const out = execFileSync(tessera, args, {
    env: {
      ...process.env, TESSERA_DATA_DIR: data, TESSERA_DATABASE_URL: `sqlite://${data}/tessera.db`, TESSERA_LOG: "warn",
      TESSERA_STRIPE_SECRET_KEY: "sk_test_e2e", TESSERA_STRIPE_API_BASE: `http://127.0.0.1:${STRIPE_PORT}/`,
    },
    encoding: "utf8",
  });
  return out.trim().split("\n").pop() ?? "";
}

test("a sysadmin makes a product and a plan, buys it on the stand-in's page, and sees the license and the payment", async ({ page, request, javaScriptEnabled }) => {
  const errors = watchConsole(page);
  const { email, password } = firstStartAdmin();
  await signIn(page, email, password);
  const run = `${javaScriptEnabled ? "on" : "off"}-${Date.now() % 1_000_000}`;
  const slug = `suite-${run}`;
  const company = `Initech ${run}`;

  await page.goto("/products");
  const newProduct = page.locator("form", { has: page.getByRole("button", { name: "Create product" }) });
  await newProduct.getByLabel("Slug (a-z 0-9 -)").fill(slug);
  await newProduct.getByLabel("Name", { exact: true }).fill(`Suite ${run}`);
  await newProduct.getByLabel("Product key (the token's aud)").fill(`acme-${slug}`);
  await newProduct.getByRole("button", { name: "Create product" }).click();
  await expect(page.getByRole("status")).toContainText(`created product ${slug}`);
  const card = page.getByTestId("product").filter({ hasText: `Suite ${run}` });
  await card.getByText(`Add a plan to Suite ${run}`).click();
  await card.getByLabel("Lookup key").fill(`${slug}-lifetime`);
  await card.getByLabel("Tier").selectOption("pro");
  await card.getByLabel("Interval").selectOption("once");
  await card.getByLabel("Price (e.g. 49.00)").fill("990.00");
  await card.getByLabel("Seats included").fill("10");
  await card.getByRole("button", { name: "Add plan" }).click();
  await expect(page.getByRole("status")).toContainText(`created plan ${slug}-lifetime`);

  // The catalog goes to Stripe; a storefront's backend opens the checkout with its token.
  cli(["stripe", "sync-products"]);
  const token = cli(["api-token", "create", "--name", `shop-${run}`, "--scope", "licenses:write"]);
  const opened = await request.post("/api/v1/checkout-sessions", {
    headers: { authorization: `Bearer ${token}` },
    data: { company, email: "buyer@initech.example", product: slug, plan: `${slug}-lifetime`,
      success_url: `http://127.0.0.1:${PORT}/licenses?q=${encodeURIComponent(company)}` },
  });
  expect(opened.status()).toBe(201);
  const { url } = await opened.json();

  // The customer pays on the hosted page and comes back to the panel.
  await page.goto(url);
  await expect(page.getByText("990.00").first()).toBeVisible();
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page).toHaveURL(/\/licenses/);
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("table")).toContainText(company, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Payments" }).click();
  await expect(page.getByRole("heading", { name: "Payments" })).toBeVisible();
  await page.getByLabel("Company starts with").fill(company);
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByRole("table")).toContainText(company);
  await expect(page.getByRole("table")).toContainText("990.00 EUR");
  await expect(page.getByRole("list", { name: "Totals" })).toContainText("990.00 EUR");

  // Off the shelf again, so the issue form of the other tests keeps its free-text product.
  await page.goto("/products");
  await page.getByTestId("product").filter({ hasText: `Suite ${run}` }).getByRole("button", { name: "Deactivate" }).first().click();
  await expect(page.getByRole("status")).toContainText(`changed product ${slug}`);
  expect(errors).toEqual([]);
});
