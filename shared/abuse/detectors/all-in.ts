/**
 * All-in sizing: one outsized trade decides the account. latest is all-in when, against at least
 * minPriorTrades other trades of the window closed no later than it, its volume is at least
 * minVolumeMultipleBps of their median and it won or lost at least minResultBps of the initial balance.
 */
import { BPS } from '../../domain/money.js';
import type { AccountDetector } from '../detector.js';
import { tradeRefs } from '../findings.js';

const VOLUME_PER_LOT = 10_000;

export const allIn: AccountDetector<'allIn'> = (trades, latest, policy, context) => {
  if (!policy.enabled) return null;
  const priorVolumes: number[] = [];
  for (const trade of trades) if (trade.positionId !== latest.positionId && trade.closedAt <= latest.closedAt) priorVolumes.push(trade.volume);
  if (priorVolumes.length < policy.minPriorTrades) return null;

  priorVolumes.sort((a, b) => a - b);
  // For an even count, the lower of the two middle values: a size actually traded, never a half-way blend.
  const medianVolume = priorVolumes[Math.floor((priorVolumes.length - 1) / 2)]!;
  const result = Math.abs(latest.netPnl);
  if (latest.volume * BPS < policy.minVolumeMultipleBps * medianVolume || result * BPS < policy.minResultBps * context.initialBalance) return null;

  const volumeMultipleBps = Math.floor((latest.volume * BPS) / medianVolume);
  const resultBps = Math.floor((result * BPS) / context.initialBalance);
  return {
    detector: 'allIn',
    accountId: context.accountId,
    traderId: context.traderId,
    at: latest.closedAt,
    message:
      `A trade of ${lots(latest.volume)}, ${multiple(volumeMultipleBps)} the median of ${lots(medianVolume)}, ` +
      `${latest.netPnl < 0 ? 'lost' : 'won'} ${percent(resultBps)} of the initial balance ` +
      `(limits ${multiple(policy.minVolumeMultipleBps)} and ${percent(policy.minResultBps)})`,
    evidence: {
      measured: { volume: latest.volume, medianVolume, volumeMultipleBps, resultBps, netPnl: latest.netPnl },
      thresholds: { minResultBps: policy.minResultBps, minVolumeMultipleBps: policy.minVolumeMultipleBps, minPriorTrades: policy.minPriorTrades },
      trades: tradeRefs([latest]),
      peers: [],
    },
  };
};

function lots(volume: number): string {
  return `${volume / VOLUME_PER_LOT} ${volume === VOLUME_PER_LOT ? 'lot' : 'lots'}`;
}

function multiple(bps: number): string {
  return `${bps / BPS}x`;
}

function percent(bps: number): string {
  return `${bps / 100}%`;
}
