import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IdentityObservation } from '../../../shared/abuse/identity.js';
import type { EventBridgeEvent, LocalEventBus } from '../../../local/event-router.js';
import { LOCAL_BRIDGE_SOURCE, SimulatedBridge } from '../../../local/simulated-bridge.js';

const request = JSON.parse(readFileSync(new URL('../../../events/samples/workflows/TradingAccountRequested.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const command = { source: 'propdesk.workflows', 'detail-type': 'TradingAccountRequested', detail: request } as unknown as EventBridgeEvent;

/** A bus that records what the bridge puts on it. */
function recordingBus() {
  const entries: { Source: string; DetailType: string; Detail: string }[] = [];
  const bus = { putEvents: async (put: typeof entries) => void entries.push(...put) } as unknown as LocalEventBus;
  return { bus, entries };
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('the simulated bridge', () => {
  it('reports the first login of a created account as IdentityObserved, where it knows where the trader logs in from', async () => {
    const { bus, entries } = recordingBus();
    const bridge = new SimulatedBridge(bus, undefined, undefined, 0, undefined, () => ({ ip: '203.0.113.7', deviceFingerprint: 'mt5-terminal-lena' }));
    bridge.receive(command);
    await settled();
    expect(entries.map((entry) => [entry.Source, entry.DetailType])).toEqual([
      [LOCAL_BRIDGE_SOURCE, 'TradingAccountCreated'],
      [LOCAL_BRIDGE_SOURCE, 'IdentityObserved'],
    ]);
    const observed = IdentityObservation.parse(JSON.parse(entries[1]!.Detail));
    expect(observed).toMatchObject({ traderId: request['traderId'], accountId: request['accountId'], ip: '203.0.113.7', deviceFingerprint: 'mt5-terminal-lena', source: 'bridge.local' });
  });

  it('reports nothing more by default, nor for a refused login', async () => {
    const silent = recordingBus();
    new SimulatedBridge(silent.bus, undefined, undefined, 0).receive(command);
    const refusing = recordingBus();
    new SimulatedBridge(refusing.bus, () => ({ answer: 'refuse', reason: 'no capacity' }), undefined, 0, undefined, () => ({ ip: '203.0.113.7', deviceFingerprint: 'x' })).receive(command);
    await settled();
    expect(silent.entries.map((entry) => entry.DetailType)).toEqual(['TradingAccountCreated']);
    expect(refusing.entries.map((entry) => entry.DetailType)).toEqual(['TradingAccountRefused']);
  });
});
