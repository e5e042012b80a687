/**
 * Merchant category risk, as the feature `mcc_risk`: 0 low, 1 medium, 2 high. High are the
 * categories where stolen money turns into cash or something as liquid (gambling, quasi-cash, money
 * transfer, stored value); medium are goods that resell easily or are bought remotely. Everything
 * else, and a payment without a merchant, is low: transfers between people are told apart by the
 * `channel` instead.
 */
export const MCC_RISK_LEVELS = { low: 0, medium: 1, high: 2 } as const;
export type MccRiskLevel = (typeof MCC_RISK_LEVELS)[keyof typeof MCC_RISK_LEVELS];

export const MCC_RISK_TABLE: Readonly<Record<string, MccRiskLevel>> = {
  // high
  '7995': 2, // betting, casino gambling
  '7800': 2, // government lotteries
  '7801': 2, // internet gambling
  '7802': 2, // horse and dog racing
  '6051': 2, // quasi-cash: money orders, crypto, foreign currency
  '4829': 2, // money transfer
  '6540': 2, // stored value card load
  '6012': 2, // financial institutions: merchandise and services
  // medium
  '5732': 1, // electronics
  '5944': 1, // jewellery and watches
  '5045': 1, // computers and software
  '5967': 1, // direct marketing: inbound teleservices
  '4722': 1, // travel agencies
  '4511': 1, // airlines
  '5816': 1, // digital goods: games
  '5094': 1, // precious stones and metals
  '5999': 1, // miscellaneous retail: a catch-all that hides what was bought
  '7011': 1, // hotels: booked remotely, easy to resell
};

export function mccRisk(mcc: string | null): MccRiskLevel {
  // hasOwn: an MCC string from outside must not find Object.prototype's keys.
  if (mcc === null || !Object.hasOwn(MCC_RISK_TABLE, mcc)) return MCC_RISK_LEVELS.low;
  return MCC_RISK_TABLE[mcc] ?? MCC_RISK_LEVELS.low;
}
