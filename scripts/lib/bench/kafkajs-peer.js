#!/usr/bin/env node
// kafkajs-peer.js: the KafkaJS baseline consumer of the benchmark.
//
// Consumes one topic the way the original NestJS metrics consumer did (a KafkaJS consumer group
// with autoCommit, JSON.parse of every value, a per-job aggregate in a Map keyed by job_id) and
// prints one JSON line with the measured throughput. Run it through the `kafkajs-peer` wrapper,
// which provides the kafkajs package (NODE_PATH); see README.md in this directory.
//
// Usage: kafkajs-peer.js --brokers HOST:PORT[,...] --topic T --group G --count N
//                        [--timeout-ms MS] [--max-wait-ms MS] [--concurrency C]
//                        [--mode batch|message]
//
// Handler: eachBatch (default). It is the faster idiomatic KafkaJS setup: eachMessage costs an
// awaited promise and an offset resolution per message, eachBatch walks the decoded batch in a
// plain loop and resolves the offset once per batch (resolveOffset of the last message handled),
// so autoCommit commits exactly what was aggregated. `--mode message` switches to eachMessage.
//
// Fetch settings: minBytes 1, maxWaitTimeInMs 100 (--max-wait-ms), maxBytesPerPartition 8 MiB and
// maxBytes 64 MiB (KafkaJS defaults: 1 MiB and 10 MiB), so one fetch can carry a partition's whole
// backlog; partitionsConsumedConcurrently 4 (--concurrency), which lets batches from different
// partitions be handled while fetches to the other brokers are in flight.
//
// Output (stdout, one line):
//   {"consumer":"kafkajs","kafkajs_version":"2.x.y","node_version":"v20...","events":N,
//    "seconds":S,"events_per_second":R,"jobs":J,"group_join_ms":G}
// seconds runs from the first message received to the N-th; group_join_ms from connect() to the
// first message. Exit 0 on success, 1 on timeout or error (message on stderr), 2 on bad arguments.
'use strict';

const USAGE =
  'usage: kafkajs-peer.js --brokers HOST:PORT[,...] --topic T --group G --count N\n' +
  '                       [--timeout-ms MS (300000)] [--max-wait-ms MS (100)]\n' +
  '                       [--concurrency C (4)] [--mode batch|message (batch)]\n';

function fail(code, message) {
  process.stderr.write(`kafkajs-peer: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const opts = {
    brokers: null,
    topic: null,
    group: null,
    count: null,
    timeoutMs: 300000,
    maxWaitMs: 100,
    concurrency: 4,
    mode: 'batch',
  };
  const names = {
    '--brokers': 'brokers',
    '--topic': 'topic',
    '--group': 'group',
    '--count': 'count',
    '--timeout-ms': 'timeoutMs',
    '--max-wait-ms': 'maxWaitMs',
    '--concurrency': 'concurrency',
    '--mode': 'mode',
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    let value;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const key = names[arg];
    if (!key) fail(2, `unknown argument ${arg}\n${USAGE}`);
    if (value === undefined) {
      if (i + 1 >= argv.length) fail(2, `${arg} needs a value\n${USAGE}`);
      value = argv[++i];
    }
    opts[key] = value;
  }
  for (const [flag, key] of [['--brokers', 'brokers'], ['--topic', 'topic'], ['--group', 'group'], ['--count', 'count']]) {
    if (opts[key] === null || opts[key] === '') fail(2, `${flag} is required\n${USAGE}`);
  }
  const integer = (flag, key, min) => {
    const s = String(opts[key]);
    if (!/^\d+$/.test(s) || Number(s) < min || !Number.isSafeInteger(Number(s))) {
      fail(2, `${flag} must be an integer >= ${min}, got '${s}'`);
    }
    opts[key] = Number(s);
  };
  integer('--count', 'count', 1);
  integer('--timeout-ms', 'timeoutMs', 1);
  integer('--max-wait-ms', 'maxWaitMs', 0);
  integer('--concurrency', 'concurrency', 1);
  if (opts.mode !== 'batch' && opts.mode !== 'message') fail(2, `--mode must be batch or message, got '${opts.mode}'`);
  opts.brokers = opts.brokers.split(',').map(s => s.trim()).filter(Boolean);
  if (opts.brokers.length === 0) fail(2, '--brokers needs at least one HOST:PORT');
  return opts;
}

let kafkajs;
try {
  kafkajs = require('kafkajs');
} catch (e) {
  fail(1, `cannot load the npm package kafkajs (${e.message}); run this script through the kafkajs-peer wrapper`);
}
const { Kafka, logLevel } = kafkajs;
const KAFKAJS_VERSION = require('kafkajs/package.json').version;

const opts = parseArgs(process.argv.slice(2));

// KafkaJS logs at ERROR only, and to stderr: stdout carries nothing but the result line.
const LEVEL_NAMES = Object.fromEntries(Object.entries(logLevel).map(([name, value]) => [value, name.toLowerCase()]));
const logCreator = () => ({ level, log }) => {
  const { message, error } = log;
  const detail = error ? ` (${error})` : '';
  process.stderr.write(`kafkajs-peer: kafkajs ${LEVEL_NAMES[level] || level}: ${message}${detail}\n`);
};

// Errors that no restart can cure: a codec KafkaJS lacks (lz4/snappy/zstd batches), and the like.
function rootCause(e) {
  return e && e.cause ? rootCause(e.cause) : e;
}
function isCodecError(e) {
  for (let x = e; x; x = x.cause) {
    if (x.name === 'KafkaJSNotImplemented' || /compression not implemented|codec/i.test(String(x.message))) return true;
  }
  return false;
}

const kafka = new Kafka({
  clientId: 'cosmic-bench-kafkajs-peer',
  brokers: opts.brokers,
  logLevel: logLevel.ERROR,
  logCreator,
});

const consumer = kafka.consumer({
  groupId: opts.group,
  minBytes: 1,
  maxWaitTimeInMs: opts.maxWaitMs,
  maxBytesPerPartition: 8 * 1024 * 1024,
  maxBytes: 64 * 1024 * 1024,
  retry: { restartOnFailure: async e => !isCodecError(e) },
});

// Per-job aggregate, as the original metrics consumer kept it.
const jobs = new Map();
let received = 0; // messages handled, up to opts.count
let unparsable = 0; // values that were not a JSON job.metrics envelope (counted, not aggregated)
let connectStart = 0n;
let firstAt = 0n;
let lastAt = 0n;
let done = false;
let finish; // resolves the main wait: { ok: true } or { ok: false, message }
const finished = new Promise(resolve => {
  finish = result => {
    if (!done) {
      done = true;
      resolve(result);
    }
  };
});

function num(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function aggregate(value) {
  let env;
  try {
    env = JSON.parse(value.toString('utf8'));
  } catch (e) {
    unparsable++;
    return;
  }
  const jobId = env && env.job_id;
  if (jobId === undefined || jobId === null) {
    unparsable++;
    return;
  }
  let agg = jobs.get(jobId);
  if (agg === undefined) {
    agg = { count: 0, cpuSum: 0, cpuMax: -Infinity, memSum: 0, memMax: -Infinity, lastOccurredAt: null };
    jobs.set(jobId, agg);
  }
  agg.count++;
  const p = env.payload || {};
  const cpu = num(p.cpu_percent);
  if (cpu !== null) {
    agg.cpuSum += cpu;
    if (cpu > agg.cpuMax) agg.cpuMax = cpu;
  }
  const mem = num(p.memory_mb);
  if (mem !== null) {
    agg.memSum += mem;
    if (mem > agg.memMax) agg.memMax = mem;
  }
  if (env.occurred_at !== undefined) agg.lastOccurredAt = env.occurred_at;
}

// Handles one message; true once the N-th has been handled.
function handle(message) {
  if (received === 0) firstAt = process.hrtime.bigint();
  if (message.value !== null) aggregate(message.value);
  else unparsable++;
  received++;
  if (received === opts.count) {
    lastAt = process.hrtime.bigint();
    finish({ ok: true });
    return true;
  }
  return false;
}

const runConfig = { autoCommit: true, partitionsConsumedConcurrently: opts.concurrency };
if (opts.mode === 'batch') {
  runConfig.eachBatchAutoResolve = false;
  runConfig.eachBatch = async ({ batch, resolveOffset }) => {
    if (done) return;
    const messages = batch.messages;
    let last = null;
    for (let i = 0; i < messages.length; i++) {
      last = messages[i].offset;
      if (handle(messages[i])) break;
    }
    if (last !== null) resolveOffset(last);
  };
} else {
  runConfig.eachMessage = async ({ message }) => {
    if (done) return;
    handle(message);
  };
}

consumer.on(consumer.events.CRASH, ({ payload }) => {
  const e = payload.error;
  const cause = rootCause(e);
  if (isCodecError(e)) {
    finish({
      ok: false,
      message:
        `topic ${opts.topic} holds batches in a compression codec KafkaJS cannot decode ` +
        `(${cause.name}: ${cause.message}); produce the benchmark data with compression.type=none`,
    });
  } else if (!payload.restart) {
    finish({ ok: false, message: `the consumer crashed: ${e.name}: ${e.message}` });
  }
  // Retriable crashes restart by themselves; the timeout bounds them.
});

async function disconnectQuietly() {
  // Bounded: a disconnect stuck on an unreachable broker must not hold the exit.
  await Promise.race([consumer.disconnect().catch(() => {}), new Promise(r => setTimeout(r, 10000).unref())]);
}

async function main() {
  const timer = setTimeout(
    () => finish({ ok: false, timeout: true }),
    opts.timeoutMs
  );
  connectStart = process.hrtime.bigint();
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [opts.topic], fromBeginning: true });
    await consumer.run(runConfig);
  } catch (e) {
    finish({ ok: false, message: `cannot start consuming ${opts.topic}: ${e.name}: ${e.message}` });
  }
  const result = await finished;
  clearTimeout(timer);
  await disconnectQuietly();

  if (!result.ok) {
    if (result.timeout) {
      fail(1, `timed out after ${opts.timeoutMs} ms with ${received} of ${opts.count} messages consumed from ${opts.topic}`);
    }
    fail(1, `${result.message} (${received} of ${opts.count} messages consumed)`);
  }
  if (unparsable > 0) {
    process.stderr.write(`kafkajs-peer: ${unparsable} of ${received} values were not JSON envelopes with a job_id\n`);
  }
  const seconds = Number(lastAt - firstAt) / 1e9;
  const line = {
    consumer: 'kafkajs',
    kafkajs_version: KAFKAJS_VERSION,
    node_version: process.version,
    events: received,
    seconds: Number(seconds.toFixed(6)),
    events_per_second: seconds > 0 ? Number((received / seconds).toFixed(1)) : null,
    jobs: jobs.size,
    group_join_ms: Number((Number(firstAt - connectStart) / 1e6).toFixed(1)),
  };
  process.stdout.write(JSON.stringify(line) + '\n');
  process.exit(0);
}

process.on('unhandledRejection', e => fail(1, `unexpected error: ${e && e.stack ? e.stack : e}`));

main().catch(e => fail(1, `unexpected error: ${e && e.stack ? e.stack : e}`));
