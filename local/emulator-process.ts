/**
 * dynalite or kinesalite in a process of its own, so the emulators and the platform's own code use
 * both cores, as the real services would not share a CPU with the functions. Forked by
 * local/platform.ts with the emulator's name and data folder; it reports its port, and closes
 * cleanly (flushing to disk) when told to stop.
 */
import dynalite from 'dynalite';
import kinesalite from 'kinesalite';
import type { AddressInfo } from 'node:net';

const [kind, port, path] = process.argv.slice(2) as ['dynalite' | 'kinesalite', string, string | undefined];
const options = { ...(path !== undefined && path !== '' ? { path } : {}) };
const server = kind === 'dynalite' ? dynalite({ createTableMs: 0, ...options }) : kinesalite({ createStreamMs: 0, ...options });
server.listen(Number(port), '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
process.on('message', (message) => {
  if (message === 'stop') server.close(() => process.exit(0));
});
// Ctrl-C reaches the whole process group: the platform stops first, then tells the emulators to stop,
// so the batch in flight can finish. And an emulator never outlives the platform that started it.
process.on('SIGINT', () => undefined);
process.on('disconnect', () => process.exit(0));
