// Signs Stripe webhook payloads with the official stripe-node SDK, so the webhook tests
// check Tessera against Stripe's own signing code, not against code written beside it.
// stdin: a JSON array of {payload, secret, timestamp?}; stdout: a JSON array of the
// `Stripe-Signature` header values, in the same order.
const Stripe = require('stripe');

const stripe = Stripe('sk_test_signing_only');
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const headers = JSON.parse(input).map((item) =>
    stripe.webhooks.generateTestHeaderString({
      payload: item.payload,
      secret: item.secret,
      ...(item.timestamp ? { timestamp: item.timestamp } : {}),
    }),
  );
  process.stdout.write(JSON.stringify(headers));
});
