#!/usr/bin/env node
// kafkajs client driven by tests/integration/0003-broker-groups.c.
//
//   node client.js <bootstrap> <topic> <group> produce <first> <count>
//   node client.js <bootstrap> <topic> <group> consume <count>
//   node client.js <bootstrap> <topic> <group> idle <ms>
//
// produce: records seq = first .. first+count-1 go to partition seq % 4 with
//   key "k<seq>", value "v<seq>" and headers client=kafkajs, seq=<seq>.
// consume: joins <group>, reads until <count> records arrived (starting at
//   the committed offsets, else the beginning), commits the next offset of
//   every partition it read, leaves the group.
// idle: joins <group> and fails if any record arrives within <ms> after the
//   assignment; leaves without committing.
//
// Output (stdout), one line each, for the C test to check:
//   R <partition> <offset> <key> <value> <name>=<value>,...   per record
//   ASSIGNED <n>              partitions after a group join
//   COMMITTED <partition> <offset>   offsets committed
//   DONE                      finished cleanly
// Errors go to stderr and exit with status 1.
'use strict';

const { Kafka, Partitioners, logLevel } = require('kafkajs');

const NPART = 4;
const [bootstrap, topic, group, mode, arg1, arg2] = process.argv.slice(2);

const kafka = new Kafka({
  clientId: 'xdc-interop-kafkajs',
  brokers: [bootstrap],
  logLevel: logLevel.WARN,
  retry: { retries: 8, initialRetryTime: 100 },
});

function out(line) {
  process.stdout.write(line + '\n');
}

async function produce(first, count) {
  // Idempotence wants unlimited retries; the C test bounds the run.
  const producer = kafka.producer({
    allowAutoTopicCreation: true,
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  await producer.connect();
  const messages = [];
  for (let seq = first; seq < first + count; seq++) {
    messages.push({
      partition: seq % NPART,
      key: `k${seq}`,
      value: `v${seq}`,
      headers: { client: 'kafkajs', seq: String(seq) },
    });
  }
  // A few sends of several records each, so batches hold more than one.
  for (let i = 0; i < messages.length; i += 40)
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 40) });
  await producer.disconnect();
  out('DONE');
}

function headerText(headers) {
  return Object.keys(headers || {})
    .map((name) => `${name}=${headers[name].toString()}`)
    .join(',');
}

// Join the group; @p onMessage sees every record. @return the consumer and
// a promise that resolves on the first group join.
async function joinGroup(onMessage) {
  let resolveJoined;
  const joined = new Promise((resolve) => (resolveJoined = resolve));
  const consumer = kafka.consumer({
    groupId: group,
    sessionTimeout: 10000,
    heartbeatInterval: 500,
    rebalanceTimeout: 10000,
    maxWaitTimeInMs: 200, // disconnect() waits for the fetch in flight
    allowAutoTopicCreation: false,
  });
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const parts = e.payload.memberAssignment[topic] || [];
    out(`ASSIGNED ${parts.length}`);
    resolveJoined();
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ autoCommit: false, eachMessage: onMessage });
  return { consumer, joined };
}

async function consume(count) {
  const next = new Map(); // partition -> next offset to commit
  let seen = 0;
  let resolveDone;
  const done = new Promise((resolve) => (resolveDone = resolve));
  const { consumer } = await joinGroup(async ({ partition, message }) => {
    out(`R ${partition} ${message.offset} ${message.key} ${message.value} ` +
        headerText(message.headers));
    next.set(partition, (BigInt(message.offset) + 1n).toString());
    if (++seen === count)
      resolveDone();
  });
  await done;
  consumer.pause([{ topic }]);
  const offsets = [...next].map(([partition, offset]) => ({ topic, partition, offset }));
  await consumer.commitOffsets(offsets);
  for (const o of offsets)
    out(`COMMITTED ${o.partition} ${o.offset}`);
  await consumer.disconnect();
  out('DONE');
}

async function idle(ms) {
  const { consumer, joined } = await joinGroup(async ({ partition, message }) => {
    out(`R ${partition} ${message.offset} ${message.key} ${message.value} ` +
        headerText(message.headers));
  });
  await joined;
  await new Promise((r) => setTimeout(r, ms));
  await consumer.disconnect();
  out('DONE');
}

async function main() {
  switch (mode) {
    case 'produce':
      return produce(Number(arg1), Number(arg2));
    case 'consume':
      return consume(Number(arg1));
    case 'idle':
      return idle(Number(arg1));
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`client.js ${mode}: ${err.stack || err}\n`);
    process.exit(1);
  });
