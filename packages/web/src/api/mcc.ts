/**
 * Merchant category codes (ISO 18245) the dashboards name: the common ones of Chinese retail and those risk control
 * rates (packages/risk/src/realtime/mcc-risk.ts). Their descriptions are UI text, in i18n (`mcc.c<code>`); an
 * unlisted code is shown as the bare code.
 */
export const KNOWN_MCCS = [
  '4111',
  '4121',
  '4511',
  '4722',
  '4814',
  '4829',
  '4900',
  '5045',
  '5094',
  '5311',
  '5411',
  '5499',
  '5541',
  '5651',
  '5691',
  '5732',
  '5812',
  '5813',
  '5814',
  '5816',
  '5912',
  '5942',
  '5944',
  '5967',
  '5999',
  '6011',
  '6012',
  '6051',
  '6540',
  '7011',
  '7800',
  '7801',
  '7802',
  '7832',
  '7995',
  '8062',
  '8211',
  '8220',
] as const;
export type KnownMcc = (typeof KNOWN_MCCS)[number];

const KNOWN_MCC_SET: ReadonlySet<string> = new Set(KNOWN_MCCS);

export function isKnownMcc(mcc: string): mcc is KnownMcc {
  return KNOWN_MCC_SET.has(mcc);
}

/** "5812 Restaurants" for a known code (its description from `describe`), else the code as given. */
export function mccLabel(mcc: string, describe: (known: KnownMcc) => string): string {
  return isKnownMcc(mcc) ? `${mcc} ${describe(mcc)}` : mcc;
}
