/** dynalite, in memory, in a process of its own for the benchmarks: it sends its port to the parent. */
import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';

const server = dynalite({ createTableMs: 0 });
server.listen(0, '127.0.0.1', () => process.send!((server.address() as AddressInfo).port));
