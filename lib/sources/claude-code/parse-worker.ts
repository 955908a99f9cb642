// A parser thread's entry point: answers the requests of parsers.ts (init, parse a share of the
// transcripts, prepare the kept records) on its port, one at a time, in order.

import { parentPort } from 'node:worker_threads';
import { serveParserRequests, type WorkerRequest } from './parsers.ts';

if (!parentPort) throw new Error('parse-worker.ts runs as a worker thread');
const port = parentPort;
// Requests are answered in the order they came: each waits for the one before it.
const serve = serveParserRequests((reply) => port.postMessage(reply));
port.on('message', (request: WorkerRequest) => serve(request));
