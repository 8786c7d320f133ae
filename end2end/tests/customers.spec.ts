import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { firstStartAdmin, signIn, VENDOR_DIR, watchConsole } from "./admin";

const root = join(__dirname, "..");
const tessera = join(root, "..", "target", "debug", "tessera");
const STRIPE_PORT = Number(process.env.E2E_STRIPE_PORT ?? 3300);
const data = join(root, VENDOR_DIR, "data");

/** Runs the CLI on the vendor server's database, selling through its stand-in. */
function cli(args: string[]): string {
  return execFileSync(tessera, args, {
    env: {
      ...process.env, TESSERA_DATA_DIR: data, TESSERA_DATABASE_URL: `sqlite://${data}/tessera.db`, TESSERA_LOG: "warn",
      TESSERA_STRIPE_SECRET_KEY: "sk_test_e2e", TESSERA_STRIPE_API_BASE: `http://127.0.0.1:${STRIPE_PORT}/`,
      // The vendor's own license (serve.sh) verifies against the master's keys.
      TESSERA_VENDOR_JWKS: join(root, VENDOR_DIR, "master-jwks.json"),
    },
    encoding: "utf8",
  }).trim();
}

/** The sign-in link in the newest message to `to` (the file mailer's `.eml`). */
function mailedLink(to: string): string | undefined {
  const dir = join(data, "mail");
  const files = readdirSync(dir).map((f) => join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const file of files) {
    const text = readFileSync(file, "utf8").replace(/=\r?\n/g, "").replace(/=3D/g, "=");
    if (!text.includes(`To: ${to}`)) continue;
    const token = /\/signin\/link\?token=([A-Za-z0-9_-]+)/.exec(text)?.[1];
    if (token) return `/signin/link?token=${token}`;
  }
  return undefined;
}

/** The license token in the newest message to `to` that carries one. */
function mailedToken(to: string): string | undefined {
  const dir = join(data, "mail");
  const files = readdirSync(dir).map((f) => join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const file of files) {
    const text = readFileSync(file, "utf8").replace(/=\r?\n/g, "");
    if (!text.includes(`To: ${to}`)) continue;
    const token = text.split(/\s+/).find((w) => w.startsWith("eyJ") && w.split(".").length === 3);
    if (token) return token;
  }
  return undefined;
}

test("a customer signs in with a mailed link, starts a trial, subscribes on /billing, sees the invoice, and cancels in the billing portal", async ({ page, browser, request, javaScriptEnabled }) => {
  const run = `${javaScriptEnabled ? "on" : "off"}-${Date.now() % 1_000_000}`;
  const slug = `desk-${run}`;
  const owner = `owner-${run}@acme.example`;

  // The vendor's catalog: a product with a 14-day trial and a monthly plan, in Stripe.
  const file = join(mkdtempSync(join(tmpdir(), "catalog-")), "catalog.yaml");
  writeFileSync(file, [
    "products:",
    `  - slug: ${slug}`,
    `    name: Desk ${run}`,
    `    product_key: acme-${slug}`,
    "    trial: {days: 14, cooldown_days: 30}",
    "    caps: {agents: 10}",
    "    plugins:",
    "      inbox: {billable: [agent], free: [viewer]}",
    "    plans:",
    `      - lookup_key: ${slug}-monthly`,
    "        tier: pro",
    "        interval: month",
    "        unit_amount: 2900",
    "        currency: eur",
    "        seats_included: 3",
    "",
  ].join("\n"));
  cli(["catalog", "apply", file]);
  cli(["stripe", "sync-products"]);

  // Staff make the customer's org on /orgs.
  const { email, password } = firstStartAdmin();
  await signIn(page, email, password);
  await page.goto("/orgs");
  await page.getByLabel("Name").fill(`Acme ${run}`);
  await page.getByLabel("Owner's e-mail").fill(owner);
  await page.getByRole("button", { name: "Create org" }).click();
  await expect(page.getByRole("status")).toContainText(`created acme-${run}`);
  await expect(page.getByRole("table")).toContainText(`${owner} (owner)`);

  try {
    // The customer, in a browser of their own: a sign-in link by e-mail.
    const context = await browser.newContext({ javaScriptEnabled });
    const customer = await context.newPage();
    const errors = watchConsole(customer);
    await customer.goto("/billing");
    await expect(customer).toHaveURL(/\/signin$/);
    await customer.getByLabel("E-mail").fill(owner);
    await customer.getByRole("button", { name: "E-mail me a sign-in link" }).click();
    await expect(customer.getByRole("status")).toContainText("a sign-in link is on its way");
    let link: string | undefined;
    await expect(async () => {
      link = mailedLink(owner);
      expect(link).toBeDefined();
    }).toPass({ timeout: 10_000 });
    await customer.goto(link!);
    await customer.getByRole("button", { name: "Continue to billing" }).click();
    await expect(customer).toHaveURL(/\/billing$/);
    await expect(customer.getByRole("heading", { name: `Acme ${run}` })).toBeVisible();
    await expect(customer.getByTestId("signed-in-as")).toHaveText(owner);

    // A free trial, at once.
    await customer.getByRole("button", { name: `Start a free trial (14 days) of Desk ${run}` }).click();
    await expect(customer.getByRole("status")).toContainText("trial started");
    await expect(customer.getByTestId("license-state").first()).toHaveText("active · trial");

    // The trial's deployment reports what it uses with a heartbeat; /billing shows it against
    // the license (3 seats, 10 agents), over the cap marked.
    const trialRow = customer.locator("tr", { has: customer.getByTestId("license-state").getByText("active · trial", { exact: true }) });
    await expect(trialRow.getByTestId("license-usage")).toHaveText("Not reported yet");
    let token: string | undefined;
    await expect(async () => {
      token = mailedToken(owner);
      expect(token).toBeDefined();
    }).toPass({ timeout: 10_000 });
    // From the deployment, not the customer's browser: no cookie.
    const beat = await request.post("/api/v1/heartbeat", {
      data: { token, install_id: `e2e-${run}`, version: "1.0.0", usage: { seats: { inbox: 2 }, caps: { agents: 12 } } },
    });
    expect(beat.status()).toBe(200);
    await expect(async () => {
      await customer.reload();
      await expect(trialRow.getByTestId("license-usage")).toContainText("inbox seats: 2 / 3", { timeout: 1000 });
    }).toPass({ timeout: 10_000 });
    await expect(trialRow.getByTestId("license-usage")).toContainText("agents: 12 / 10over");

    // Then the plan, paid on the stand-in's hosted page; back on /billing until it is ready.
    await customer.getByRole("button", { name: `Buy ${slug}-monthly — 29.00 EUR / month` }).click();
    await expect(customer.getByText("29.00").first()).toBeVisible();
    await customer.getByRole("button", { name: "Pay" }).click();
    await expect(customer).toHaveURL(/\/billing\?org=.*checkout=/);
    await expect(async () => {
      await customer.reload();
      await expect(customer.getByTestId("purchase")).toContainText("your purchase is complete", { timeout: 1000 });
    }).toPass({ timeout: 20_000 });
    const paid = customer.locator("tr", { has: customer.getByTestId("license-state").getByText("active", { exact: true }) });
    await expect(paid.getByTestId("license-dates")).toHaveText(/^Renews \d{4}-\d{2}-\d{2}/);
    await expect(customer.getByTestId("license-state").getByText("active · trial, converted")).toBeVisible();

    // The invoice Stripe made, with its PDF, and the card it was paid with.
    await customer.goto("/billing");
    await expect(async () => {
      await customer.reload();
      await expect(customer.getByRole("table", { name: "Invoices" })).toContainText("paid", { timeout: 1000 });
      await expect(customer.getByTestId("card")).toHaveText("visa •••• 4242, expires 12/2034", { timeout: 1000 });
    }).toPass({ timeout: 20_000 });
    const invoices = customer.getByRole("table", { name: "Invoices" });
    await expect(invoices).toContainText("29.00 EUR");
    await expect(invoices.getByRole("link", { name: "PDF" })).toHaveAttribute("href", /\/invoices\/in_\w+\/pdf$/);

    // "Manage billing": Stripe's portal, where the subscription is cancelled at its period's
    // end; back on /billing the license shows when it ends instead of when it renews.
    await customer.getByRole("button", { name: "Manage billing" }).click();
    await expect(customer).toHaveURL(/\/portal\//);
    await expect(customer.getByRole("heading", { name: "Your subscriptions" })).toBeVisible();
    await customer.getByRole("button", { name: "Cancel at period end" }).click();
    await expect(customer.getByText("Cancels at period end: yes")).toBeVisible();
    await customer.getByRole("link", { name: /^Return to/ }).click();
    await expect(customer).toHaveURL(/\/billing\?org=acme-/);
    await expect(async () => {
      await customer.reload();
      await expect(paid.getByTestId("license-dates")).toHaveText(/^Ends \d{4}-\d{2}-\d{2}/, { timeout: 1000 });
    }).toPass({ timeout: 20_000 });

    // Signing out closes /billing again.
    await customer.getByRole("button", { name: "Sign out" }).click();
    await expect(customer).toHaveURL(/\/signin\?error=signed_out$/);
    await customer.goto("/billing");
    await expect(customer).toHaveURL(/\/signin$/);
    expect(errors).toEqual([]);
    await context.close();
  } finally {
    // Off the shelf again, even after a failure, so other suites' product lists stay as they were.
    await page.goto("/products");
    await page.getByTestId("product").filter({ hasText: `Desk ${run}` }).getByRole("button", { name: "Deactivate" }).first().click();
    await expect(page.getByRole("status")).toContainText(`changed product ${slug}`);
  }
});
