// bench/dispatch.py's peer: Node's web-push library sending the benchmark's messages.
//
//     node bench/node_peer/send.mjs job.json
//
// job.json (written by bench/dispatch.py): subject, publicKey, privateKey (VAPID, base64url),
// subscriptions, payloads (message i goes to subscription i % subscriptions.length), ttl,
// urgency, topic, concurrency and caFile (the push service's self-signed certificate).
// Prints one JSON line: {sent, failures, firstError, seconds, perSecond}.
//
// It is used the way a Node server would: sendNotification() with vapidDetails (web-push signs
// a VAPID token per message) over one keep-alive https.Agent, `concurrency` requests in flight,
// as the dispatcher has PUSH_SEND_THREADS.

import { readFileSync } from "node:fs";
import https from "node:https";

import webpush from "web-push";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const agent = new https.Agent({
  keepAlive: true,
  maxSockets: job.concurrency,
  ca: job.caFile ? readFileSync(job.caFile) : undefined,
});
const options = {
  vapidDetails: { subject: job.subject, publicKey: job.publicKey, privateKey: job.privateKey },
  TTL: job.ttl,
  urgency: job.urgency,
  topic: job.topic,
  agent,
  timeout: 10_000,
};

let next = 0;
let sent = 0;
let failures = 0;
let firstError = "";

// One lane per allowed request in flight; JavaScript runs one lane at a time, so `next++` is safe.
async function lane() {
  while (next < job.payloads.length) {
    const i = next++;
    const subscription = job.subscriptions[i % job.subscriptions.length];
    try {
      await webpush.sendNotification(subscription, job.payloads[i], options);
      sent += 1;
    } catch (error) {
      failures += 1;
      firstError ||= error.statusCode ? `HTTP ${error.statusCode}` : String(error.message);
    }
  }
}

const started = process.hrtime.bigint();
await Promise.all(Array.from({ length: job.concurrency }, lane));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
agent.destroy();
console.log(JSON.stringify({ sent, failures, firstError, seconds, perSecond: sent / seconds }));
