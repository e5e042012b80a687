/**
 * Merchant categories of the generator: ISO 18245 merchant category codes with the median
 * payment (CNY), the spread of the log-normal amount around it, the share paid online, how
 * common such merchants are, and a risk level (the same as the real-time engine's `mccRisk`).
 */
export type MccRisk = 'low' | 'medium' | 'high';

export interface MerchantCategory {
  readonly mcc: string;
  readonly name: string;
  readonly medianCny: number;
  readonly sigma: number;
  readonly onlineShare: number;
  readonly weight: number;
  readonly risk: MccRisk;
}

export const MERCHANT_CATEGORIES: readonly MerchantCategory[] = [
  {
    mcc: '5411',
    name: 'grocery stores, supermarkets',
    medianCny: 68,
    sigma: 0.8,
    onlineShare: 0.1,
    weight: 12,
    risk: 'low',
  },
  {
    mcc: '5499',
    name: 'convenience and food stores',
    medianCny: 18,
    sigma: 0.7,
    onlineShare: 0.02,
    weight: 12,
    risk: 'low',
  },
  { mcc: '5812', name: 'restaurants', medianCny: 95, sigma: 0.7, onlineShare: 0.05, weight: 18, risk: 'low' },
  { mcc: '5814', name: 'fast food', medianCny: 28, sigma: 0.5, onlineShare: 0.15, weight: 14, risk: 'low' },
  { mcc: '5541', name: 'service stations', medianCny: 260, sigma: 0.4, onlineShare: 0.02, weight: 4, risk: 'low' },
  { mcc: '5912', name: 'drug stores, pharmacies', medianCny: 55, sigma: 0.8, onlineShare: 0.2, weight: 5, risk: 'low' },
  { mcc: '5311', name: 'department stores', medianCny: 180, sigma: 0.9, onlineShare: 0.2, weight: 4, risk: 'low' },
  { mcc: '4121', name: 'taxis and ride hailing', medianCny: 32, sigma: 0.6, onlineShare: 0.6, weight: 6, risk: 'low' },
  { mcc: '4900', name: 'utilities', medianCny: 150, sigma: 0.6, onlineShare: 0.8, weight: 2, risk: 'low' },
  {
    mcc: '0763',
    name: 'agricultural cooperatives',
    medianCny: 800,
    sigma: 1.0,
    onlineShare: 0.1,
    weight: 2,
    risk: 'low',
  },
  {
    mcc: '5999',
    name: 'miscellaneous retail',
    medianCny: 75,
    sigma: 1.0,
    onlineShare: 0.5,
    weight: 10,
    risk: 'medium',
  },
  { mcc: '5732', name: 'electronics stores', medianCny: 1200, sigma: 0.9, onlineShare: 0.5, weight: 4, risk: 'medium' },
  { mcc: '7011', name: 'hotels and lodging', medianCny: 450, sigma: 0.6, onlineShare: 0.6, weight: 4, risk: 'medium' },
  { mcc: '7995', name: 'betting and lottery', medianCny: 100, sigma: 1.1, onlineShare: 0.9, weight: 1, risk: 'high' },
  {
    mcc: '6051',
    name: 'quasi-cash: money orders, stored value',
    medianCny: 2000,
    sigma: 1.0,
    onlineShare: 0.9,
    weight: 0.7,
    risk: 'high',
  },
];

/** The categories a card tester cashes out at: electronics and quasi-cash. */
export const CASH_OUT_MCCS: readonly string[] = ['5732', '6051'];
