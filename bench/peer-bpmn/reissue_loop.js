#!/usr/bin/env node
// Peer for bench/run_workflow.sh: the reissue loop (reissue_loop.bpmn) on npm bpmn-engine 25.
//
// Usage: node reissue_loop.js [--cases N] [--modes durable,memory,durable_nofsync] [--dir DIR]
//
// Every case: open, then 9 user-task waits, each completed by a signal:
//   authority_review (fail) → resubmit → authority_review (pass) → send_to_vendor
//   → receive_at_vendor → vendor_review (pass) → ship_key → receive_key → hand_over → completed
// Modes:
//   durable          at each wait: engine.getState(), JSON written to a temporary file, fsync'd,
//                    renamed over the case's state file; the engine is stopped; a NEW engine is
//                    recovered from the file's text (new Engine().recover(state)), resumed, and
//                    the waiting task signalled. The process could die at any wait and lose
//                    nothing: the state on disk is the only thing carried from one step to the
//                    next.
//   durable_nofsync  the same without the fsync (survives a crash of the process, not of the OS).
//   memory           one engine per case, kept in memory from open to end; no state is taken.
// Cases run one after the other. One JSON line per mode on stdout. Exit 1 if a case does not end
// in `completed` after exactly the expected signals.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Engine } from 'bpmn-engine';

const here = path.dirname(fileURLToPath(import.meta.url));
const engineVersion = JSON.parse(fs.readFileSync(path.join(here, 'node_modules', 'bpmn-engine', 'package.json'), 'utf8')).version;

function parseArgs(argv) {
  const o = { cases: 1000, modes: ['durable', 'memory'], dir: path.join(here, '..', 'out', 'peer-bpmn-state') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--cases') o.cases = Number.parseInt(value(), 10);
    else if (a === '--modes') o.modes = value().split(',').filter(Boolean);
    else if (a === '--dir') o.dir = value();
    else throw new Error(`usage: node reissue_loop.js [--cases N] [--modes durable,memory,durable_nofsync] [--dir DIR] (not ${a})`);
  }
  if (!Number.isInteger(o.cases) || o.cases <= 0) throw new Error('--cases: a positive whole number');
  for (const m of o.modes) if (!['durable', 'durable_nofsync', 'memory'].includes(m)) throw new Error(`unknown mode ${m}`);
  return o;
}

const source = fs.readFileSync(path.join(here, 'reissue_loop.bpmn'), 'utf8');

// The signals of one case, in order: the task that must be waiting and what completes it.
function script(i) {
  const n = String(i).padStart(8, '0');
  return [
    { id: 'authority_review', decision: 'fail', remark: '申请表未写明补办原因，请补充后重新提交全部材料。' },
    { id: 'resubmit', user: `u${n}` },
    { id: 'authority_review', decision: 'pass' },
    { id: 'send_to_vendor', method: 'fax' },
    { id: 'receive_at_vendor' },
    { id: 'vendor_review', decision: 'pass' },
    { id: 'ship_key', waybill: `SF${String(i).padStart(10, '0')}`, serial: `NEW${n}` },
    { id: 'receive_key' },
    { id: 'hand_over', method: 'on_site' },
  ];
}

// Review decisions reach the gateways through environment.output; the end event is counted.
function makeListener(tally) {
  const listener = new EventEmitter();
  listener.on('activity.end', (api) => {
    const output = api.content.output;
    if (output && typeof output === 'object' && 'decision' in output) {
      api.environment.output[`${api.id}_failed`] = output.decision === 'fail';
    }
    if (api.id === 'completed') tally.completed++;
  });
  return listener;
}

function writeDurable(file, text, sync) {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, text);
    if (sync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function expectWaiting(execution, id, caseName) {
  const waiting = execution.getPostponed().map((a) => a.id);
  if (!waiting.includes(id)) throw new Error(`${caseName}: expected ${id} to wait, waiting: ${waiting.join(', ') || 'nothing'}`);
}

async function runCase(i, mode, opts, tally) {
  const name = `R2026-${String(i).padStart(7, '0')}`;
  const listener = makeListener(tally);
  let engine = new Engine({ name, source });
  let execution = await engine.execute({ listener });
  const file = path.join(opts.dir, `${name}.json`);
  for (const step of script(i)) {
    if (mode !== 'memory') {
      const state = await engine.getState();
      const text = JSON.stringify(state);
      tally.stateBytes += text.length;
      tally.states++;
      writeDurable(file, text, mode === 'durable');
      await engine.stop();
      // Only what is on disk goes on.
      engine = new Engine({ name }).recover(JSON.parse(fs.readFileSync(file, 'utf8')));
      execution = await engine.resume({ listener });
    }
    expectWaiting(execution, step.id, name);
    execution.signal(step);
    tally.signals++;
  }
  if (execution.getPostponed().length !== 0 || engine.state !== 'idle') throw new Error(`${name}: not finished (state ${engine.state})`);
  if (mode !== 'memory') fs.rmSync(file, { force: true });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  fs.mkdirSync(opts.dir, { recursive: true });
  const waits = script(0).length;
  let failed = false;
  for (const mode of opts.modes) {
    const tally = { completed: 0, signals: 0, states: 0, stateBytes: 0 };
    process.stderr.write(`reissue_loop.js: bpmn-engine ${engineVersion}, ${mode}, ${opts.cases} cases\n`);
    const start = process.hrtime.bigint();
    for (let i = 0; i < opts.cases; i++) await runCase(i, mode, opts, tally);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const ok = tally.completed === opts.cases && tally.signals === opts.cases * waits;
    if (!ok) failed = true;
    console.log(
      JSON.stringify({
        impl: 'bpmn-engine',
        version: engineVersion,
        node: process.version,
        mode,
        cases: opts.cases,
        waits_per_case: waits,
        signals: tally.signals,
        seconds: Number(seconds.toFixed(3)),
        cases_per_s: Number((opts.cases / seconds).toFixed(1)),
        actions_per_s: Number((tally.signals / seconds).toFixed(1)),
        completed: tally.completed,
        state_bytes_avg: tally.states ? Math.round(tally.stateBytes / tally.states) : 0,
        fsync: mode === 'durable',
      }),
    );
  }
  if (failed) {
    console.error('reissue_loop.js: some cases did not complete');
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(`reissue_loop.js: ${err.stack || err}`);
  process.exit(1);
});
