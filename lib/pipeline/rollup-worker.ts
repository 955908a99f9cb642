// A rollup thread's entry point: answers the requests of rollup-threads.ts (init with the price
// tables, then build one day at a time) on its port, in the order they came.

import { parentPort } from 'node:worker_threads';
import { type RollupRequest, serveRollupRequests } from './rollup-threads.ts';

if (!parentPort) throw new Error('rollup-worker.ts runs as a worker thread');
const port = parentPort;
const serve = serveRollupRequests((reply) => port.postMessage(reply));
port.on('message', (request: RollupRequest) => serve(request));
