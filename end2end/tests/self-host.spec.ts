import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { firstStartAdmin, SELF_HOST_DIR, signIn, watchConsole } from "./admin";
import { SELF_HOST_PORT } from "../playwright.config";

// These tests drive the self-hosted server, which pins the vendor server's keys.
test.use({ baseURL: `http://127.0.0.1:${SELF_HOST_PORT}` });

const root = join(__dirname, "..");
const tessera = join(root, "..", "target", "debug", "tessera");

/** Runs the CLI against one of the two servers' databases; answers the last line of stdout. */
function cli(dir: string, args: string[]): string {
  const data = join(root, dir, "data");
  const out = execFileSync(tessera, args, {
    env: { ...process.env, TESSERA_DATA_DIR: data, TESSERA_DATABASE_URL: `sqlite://${data}/tessera.db`, TESSERA_LOG: "warn" },
    encoding: "utf8",
  });
  return out.trim().split("\n").pop() ?? "";
}

/** A license the vendor issues for this install's host, with 2 pooled seats of `plugin`. */
function vendorIssues(plugin: string, product = "studio"): string {
  return cli(".tmp", [
    "license", "issue", "--email", "it@customer.example", "--company", "Customer Ltd", "--tier", "pro",
    "--product", product, "--domain", "localhost", "--plugin", plugin, "--seats", `${plugin}=2`,
  ]);
}

async function signInHere(page: Page) {
  const { email, password } = firstStartAdmin(SELF_HOST_DIR);
  await signIn(page, email, password, SELF_HOST_DIR);
}

test("the operator pastes a bad token, is told why, then a good one that heartbeats", async ({ page, javaScriptEnabled }) => {
  const errors = watchConsole(page);
  await signInHere(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "License" }).click();
  await expect(page).toHaveURL(/\/license$/);

  // A paste that is not a token is refused with the reason; nothing is installed.
  await page.getByLabel("License token (as the vendor sent it)").fill("not.a.token");
  await page.getByRole("button", { name: "Install" }).click();
  await expect(page.getByTestId("refusal")).toContainText("cannot be installed");

  const plugin = `crm-${javaScriptEnabled ? "on" : "off"}`;
  await page.getByLabel("License token (as the vendor sent it)").fill(vendorIssues(plugin));
  await page.getByRole("button", { name: "Install" }).click();
  await expect(page.getByRole("status").first()).toContainText("installed");
  await expect(page.getByTestId("state")).toHaveText("active");
  await expect(page.getByTestId("Seats")).toContainText(`${plugin} (pool of 2)`);

  // The install heartbeats to the vendor every 2 s: the answer shows without a reload loop.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("Last answer")).toContainText("active at");
  }).toPass({ timeout: 20_000 });
  if (javaScriptEnabled) expect(errors.filter((e) => !e.includes("422"))).toEqual([]);
});

test("the marketplace grants seats up to the licence and refuses the next", async ({ page, request, javaScriptEnabled }) => {
  const errors = watchConsole(page);
  const plugin = `desk-${javaScriptEnabled ? "on" : "off"}`;
  await signInHere(page);
  await page.goto("/license");
  await page.getByLabel("License token (as the vendor sent it)").fill(vendorIssues(plugin));
  await page.getByRole("button", { name: "Install" }).click();
  await expect(page.getByTestId("state")).toHaveText("active");

  // The product declares its roles through the local API.
  const bearer = cli(SELF_HOST_DIR, ["api-token", "create", "--name", `e2e-${plugin}`, "--scope", "seats:write"]);
  const declared = await request.put(`/api/v1/plugins/${plugin}`, {
    headers: { authorization: `Bearer ${bearer}` },
    data: { roles: [{ name: `${plugin}.agent`, billable: true }, { name: `${plugin}.viewer`, billable: false }] },
  });
  expect(declared.status()).toBe(200);

  await page.goto("/marketplace");
  await page.getByRole("link", { name: plugin }).click();
  await expect(page.getByTestId("seats")).toHaveText("0 / 2 seats");
  for (const user of ["ana", "ben"]) {
    await page.getByLabel("User (the product's user id)").fill(user);
    await page.getByLabel("Role").selectOption(`${plugin}.agent`);
    await page.getByRole("button", { name: "Grant" }).click();
    await expect(page.getByRole("status").first()).toContainText("granted");
  }
  await expect(page.getByTestId("seats")).toHaveText("2 / 2 seats");
  await page.getByLabel("User (the product's user id)").fill("cai");
  await page.getByLabel("Role").selectOption(`${plugin}.agent`);
  await page.getByRole("button", { name: "Grant" }).click();
  await expect(page.getByTestId("refusal")).toContainText("pooled seats");
  await expect(page.getByTestId("holders")).not.toContainText("cai");
  // A free role is never counted.
  await page.getByLabel("User (the product's user id)").fill("cai");
  await page.getByLabel("Role").selectOption(`${plugin}.viewer`);
  await page.getByRole("button", { name: "Grant" }).click();
  await expect(page.getByTestId("holders")).toContainText("cai");
  await expect(page.getByTestId("seats")).toHaveText("2 / 2 seats");
  if (javaScriptEnabled) expect(errors.filter((e) => !e.includes("409"))).toEqual([]);
});
