import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { expectSignedIn, firstStartAdmin, signIn } from "./admin";

// Another port on 127.0.0.1 is another origin of the same site: the browser sends the
// SameSite=Strict session cookie along, so only the server's Origin and token checks stand
// between this page and the signed-in session.
test("a page on another origin of the same site cannot act for the signed-in user", async ({ page, baseURL }) => {
  const { email, password } = firstStartAdmin();
  await signIn(page, email, password);
  await expectSignedIn(page, email);

  const attacker = http.createServer((_, res) => {
    res.setHeader("content-type", "text/html");
    res.end(`<!DOCTYPE html><form method="post" action="${baseURL}/auth/logout">
      <input type="hidden" name="csrf" value="a-guess"><button>Win a prize</button></form>
      <form method="post" action="${baseURL}/keys/generate">
      <button>Claim it</button></form>`);
  });
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  const { port } = attacker.address() as AddressInfo;
  try {
    for (const button of ["Win a prize", "Claim it"]) {
      await page.goto(`http://127.0.0.1:${port}/`);
      const answer = page.waitForResponse((r) => r.request().method() === "POST");
      await page.getByRole("button", { name: button }).click();
      expect((await answer).status()).toBe(403);
    }
  } finally {
    attacker.close();
  }
  // Still signed in, and no key was generated.
  await page.goto("/keys");
  await expect(page.getByTestId("signed-in-as")).toHaveText(email);
  await expect(page.getByRole("cell", { name: "accepted" })).toHaveCount(0);
});
