/** Axis labels of time buckets on the network's clock (UTC+8): "14:00" for an hour, "11/28" for a day. */
import { type Granularity, NETWORK_TIME_ZONE } from '../../api/analytics';

export function createBucketLabel(locale: string): (ms: number, granularity: Granularity) => string {
  const timeZone = NETWORK_TIME_ZONE;
  const hour = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone });
  const day = new Intl.DateTimeFormat(locale, { month: 'numeric', day: 'numeric', timeZone });
  return (ms, granularity) => (granularity === 'hour' ? hour : day).format(ms);
}
