/** What miners send: Stratum lines (split from a stream, parsed, handled by a session) and getwork over HTTP. */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getChainParams } from '../../src/bitcoin/chain-params.js';
import { sha256d } from '../../src/bitcoin/hash.js';
import { GetworkServer } from '../../src/getwork/getwork-server.js';
import { LineSplitter, LineTooLong } from '../../src/stratum/line-splitter.js';
import { BadRequest, parseRequestJson } from '../../src/stratum/messages.js';
import { parseRequestFast } from '../../src/stratum/request-parser.js';
import { StratumSession } from '../../src/stratum/session.js';
import type { Job } from '../../src/work/job.js';
import { checkPayoutAddress } from '../../src/work/miner-address.js';
import { parseUsername } from '../../src/work/username.js';
import type { AuthorizeResult, Miner, Solution, SolutionResult, WorkSource } from '../../src/work/work-source.js';
import type { FuzzTarget } from '../engine.js';
import { getworkRequest, stratumRequests } from '../seeds.js';
import { check, PropertyViolation } from './check.js';

const REGTEST = getChainParams('regtest');
const NODE_ADDRESS = 'bcrt1qrgggr830y0ppygtftxw7mnsg3fhyndsfr8pp9w';
const T0 = 1_795_749_040_000;

/**
 * Work as the node's work layer hands it out, but fixed and deterministic (same jobs for the
 * same input): usernames go through the real parser and payout-address check; targets are easy
 * enough that mutated submits reach the solution path.
 */
class FuzzWork implements WorkSource {
  difficultyMultiplier = 1;
  minDifficulty = 1e-9;
  maxDifficulty = 1e12;
  private n = 0;
  authorize(username: string): AuthorizeResult {
    const parsed = parseUsername(username);
    const c = checkPayoutAddress(parsed.address, REGTEST, 35);
    if (!c.ok && !c.invalid) return { ok: false, reason: c.reason };
    const miner: Miner = { username, address: c.ok ? parsed.address : NODE_ADDRESS, worker: parsed.worker, pseudoDifficulty: parsed.pseudoDifficulty, shareDifficulty: parsed.shareDifficulty };
    return { ok: true, miner };
  }
  makeJob(miner: Miner): Job {
    const n = ++this.n;
    return {
      id: n.toString(16),
      prevBlock: Buffer.alloc(32, 0x11),
      coinb1: Buffer.concat([Buffer.from('01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff', 'hex'), Buffer.from(miner.address)]),
      coinb2: Buffer.from('00000000', 'hex'),
      merkleBranch: [Buffer.alloc(32, 0x22)],
      version: 0x20000000,
      bits: 0x207fffff,
      ntime: T0 / 1000,
      minTime: T0 / 1000 - 600,
      blockTarget: 1n << 255n,
      shareTarget: 1n << 254n,
      createdAt: T0,
      context: null,
    };
  }
  onSolution(s: Solution): SolutionResult {
    return s.nonceArea.length % 2 === 0 ? { status: 'accepted' } : { status: 'stale', reason: 'job from an older block' };
  }
  powHash(h: Buffer): Buffer {
    return sha256d(h);
  }
  initialDifficulty(): number {
    return 1e-6;
  }
}

const STRATUM_DICT = ['"mining.subscribe"', '"mining.authorize"', '"mining.submit"', '"mining.configure"', '"mining.suggest_difficulty"', '"mining.extranonce.subscribe"', '"version-rolling"', '"version-rolling.mask"', '"version-rolling.min-bit-count"', '"minimum-difficulty"', '"minimum-difficulty.value"', '"params"', '"method"', '"id"', '"jsonrpc"', '"2.0"', 'null', 'true', '[]', '{}', '\\u0000', '\\"', NODE_ADDRESS, '"1fffe000"', '"00000001"', '"6a1cf4a4"'];

/** The captured session's requests, then submits on the first jobs, as one stream. */
function stratumSeeds(): Buffer[] {
  const captured = stratumRequests();
  const login = captured.filter((l) => !l.includes('mining.submit')).join('');
  const submit = (job: number, en2: string, nonce: string, extra = ''): string => `{"id":9,"method":"mining.submit","params":["${NODE_ADDRESS}","${job.toString(16)}","${en2}","6a1cf4a4","${nonce}"${extra}]}\n`;
  return [
    Buffer.from(captured.join('')),
    Buffer.from(login + submit(1, '00000000', '00000000') + submit(1, '00000000', '00000000') + submit(2, '00000001', '0000ffff')),
    Buffer.from('{"id":1,"method":"mining.configure","params":[["version-rolling","minimum-difficulty"],{"version-rolling.mask":"1fffe000","version-rolling.min-bit-count":2,"minimum-difficulty.value":0.001}]}\n' + login + submit(1, '00000000', '00000000', ',"00002000"')),
    Buffer.from('{"id":1,"method":"mining.subscribe","params":[]}\n{"id":2,"method":"mining.suggest_difficulty","params":[0.0001]}\n{"id":3,"method":"mining.authorize","params":["bcrt1qrgggr830y0ppygtftxw7mnsg3fhyndsfr8pp9w.rig1+0.001/2","x"]}\n{"id":4,"method":"mining.extranonce.subscribe","params":[]}\n'),
  ];
}

export const stratumParse: FuzzTarget = {
  name: 'stratum-parse',
  covers: ['src/stratum/request-parser.ts', 'src/stratum/messages.ts'],
  about: 'Stratum request lines: the fast parser returns exactly what the JSON parser returns, or null; the JSON parser throws only BadRequest',
  seeds: () => stratumRequests().map((l) => Buffer.from(l.trimEnd())),
  dictionary: STRATUM_DICT,
  maxLen: 2048,
  run(data) {
    const line = Buffer.from(data).toString('utf8');
    let slow: unknown;
    try {
      slow = parseRequestJson(line);
    } catch (e) {
      if (!(e instanceof BadRequest)) throw e;
      slow = e;
    }
    const fast = parseRequestFast(line);
    if (fast === null) return;
    if (slow instanceof BadRequest) throw new PropertyViolation(`fast path accepted a line the JSON path refuses (${slow.message}): ${JSON.stringify(line)}`);
    check(JSON.stringify(fast) === JSON.stringify(slow), `fast ${JSON.stringify(fast)} != json ${JSON.stringify(slow)} for ${JSON.stringify(line)}`);
  },
};

export const stratumSession: FuzzTarget = {
  name: 'stratum-session',
  covers: ['src/stratum/session.ts', 'src/stratum/line-splitter.ts', 'src/stratum/version-rolling.ts', 'src/work/username.ts'],
  about: 'a Stratum byte stream split into lines (16 KB cap) and handled by a session (subscribe, authorize, configure, suggest_difficulty, submit): every request answered, nothing thrown',
  seeds: stratumSeeds,
  dictionary: STRATUM_DICT,
  maxLen: 8192,
  run(data) {
    const out: string[] = [];
    let closed: string | null = null;
    let now = T0;
    const session = new StratumSession(Buffer.from('0000cafe', 'hex'), new FuzzWork(), {
      send: (line) => out.push(line),
      close: (reason) => {
        closed = reason;
      },
      now: () => now,
    });
    const splitter = new LineSplitter(1024);
    const stream = Buffer.from(data);
    for (let at = 0; at < stream.length && closed === null; at += 61) {
      let lines: string[];
      try {
        lines = splitter.push(stream.subarray(at, at + 61));
      } catch (e) {
        if (e instanceof LineTooLong) return;
        throw e;
      }
      for (const l of lines) {
        if (closed !== null) break;
        session.handleLine(l);
        now += 250;
      }
    }
    for (const l of out) {
      check(l.endsWith('\n') && !l.slice(0, -1).includes('\n'), `a reply that is not one line: ${JSON.stringify(l.slice(0, 200))}`);
      JSON.parse(l);
    }
  },
};

/** A fake request (what node:http hands the handler) from raw request text: line, headers, blank line, body. */
function fakeExchange(raw: string): { req: IncomingMessage; res: ServerResponse; result: { status: number; body: string; ended: boolean } } | null {
  const headEnd = raw.indexOf('\r\n\r\n');
  const head = headEnd < 0 ? raw : raw.slice(0, headEnd);
  const body = headEnd < 0 ? '' : raw.slice(headEnd + 4);
  const [line = '', ...headerLines] = head.split('\r\n');
  const m = /^([A-Z]{1,10}) (\S{1,2048}) HTTP\/1\.[01]$/.exec(line);
  if (!m) return null;
  const headers: Record<string, string> = {};
  for (const h of headerLines) {
    const c = h.indexOf(':');
    if (c <= 0) return null;
    headers[h.slice(0, c).trim().toLowerCase()] = h.slice(c + 1).trim();
  }
  const req = Object.assign(new EventEmitter(), { method: m[1], url: m[2], headers, destroy: () => undefined }) as unknown as IncomingMessage;
  const result = { status: 0, body: '', ended: false };
  const res = Object.assign(new EventEmitter(), {
    writableEnded: false,
    destroyed: false,
    writeHead(status: number) {
      result.status = status;
      return res;
    },
    end(b?: string) {
      result.body = b ?? '';
      result.ended = true;
      (res as { writableEnded: boolean }).writableEnded = true;
      return res;
    },
    destroy() {
      (res as { destroyed: boolean }).destroyed = true;
    },
  }) as unknown as ServerResponse;
  (req as unknown as { _body: string })._body = body;
  return { req, res, result };
}

export const getwork: FuzzTarget = {
  name: 'getwork',
  covers: ['src/getwork/getwork-server.ts', 'src/getwork/getwork-data.ts'],
  about: 'getwork HTTP requests (request line, Authorization and Host headers, JSON-RPC body, submitted data): always a JSON-RPC answer or an HTTP error, nothing thrown',
  seeds: () => {
    const g = getworkRequest();
    const head = g.lines.join('\r\n');
    const data = /"data": "([0-9a-f]+)"/.exec(g.responseBody)?.[1] ?? '';
    return [
      Buffer.from(`${head}\r\n${g.body}`),
      Buffer.from(`${head}\r\n{"id":2,"method":"getwork","params":["${data}"]}`),
      Buffer.from(`${head}\r\n{"id":3,"method":"getwork","params":["${data}"]}\u0000${head}\r\n{"id":3,"method":"getwork","params":[]}`),
    ];
  },
  dictionary: ['POST / HTTP/1.1', 'GET /long-polling HTTP/1.1', 'Authorization: Basic ', '\r\n', '\r\n\r\n', '"getwork"', '"params"', NODE_ADDRESS, Buffer.from(`${NODE_ADDRESS}:x`).toString('base64')],
  maxLen: 4096,
  run(data) {
    const server = new GetworkServer(new FuzzWork(), { now: () => T0 });
    // Several requests on one server, NUL-separated: a submission can refer to earlier work.
    for (const raw of Buffer.from(data).toString('latin1').split('\u0000').slice(0, 4)) {
      const x = fakeExchange(raw);
      if (!x) continue;
      const handled = server.handle(x.req, x.res);
      if (!handled) continue;
      const body = (x.req as unknown as { _body: string })._body;
      for (let i = 0; i < body.length; i += 512) x.req.emit('data', Buffer.from(body.slice(i, i + 512), 'latin1'));
      x.req.emit('end');
      if (x.req.url?.split('?')[0] === '/long-polling') continue;
      check(x.result.ended, 'a getwork request left unanswered');
      if (x.result.status === 200) {
        const reply = JSON.parse(x.result.body) as { result?: unknown; error?: unknown };
        check('result' in reply && 'error' in reply, `not a JSON-RPC reply: ${x.result.body.slice(0, 200)}`);
      } else check(x.result.status === 413, `HTTP ${x.result.status}`);
    }
    server.close();
  },
};
