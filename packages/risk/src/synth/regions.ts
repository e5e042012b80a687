/**
 * Where users and merchants are: twelve province-level regions of China by ISO 3166-2 code, with
 * the capital's coordinates as the centre and a weight close to the population share.
 */
export interface Region {
  readonly code: string;
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
  readonly weight: number;
}

export const REGIONS: readonly Region[] = [
  { code: 'CN-BJ', name: 'Beijing', lat: 39.9042, lon: 116.4074, weight: 2.2 },
  { code: 'CN-SH', name: 'Shanghai', lat: 31.2304, lon: 121.4737, weight: 2.5 },
  { code: 'CN-GD', name: 'Guangdong', lat: 23.1291, lon: 113.2644, weight: 12.6 },
  { code: 'CN-ZJ', name: 'Zhejiang', lat: 30.2741, lon: 120.1551, weight: 6.5 },
  { code: 'CN-JS', name: 'Jiangsu', lat: 32.0603, lon: 118.7969, weight: 8.5 },
  { code: 'CN-SC', name: 'Sichuan', lat: 30.5728, lon: 104.0668, weight: 8.4 },
  { code: 'CN-HB', name: 'Hubei', lat: 30.5928, lon: 114.3055, weight: 5.8 },
  { code: 'CN-HN', name: 'Hunan', lat: 28.2282, lon: 112.9388, weight: 6.6 },
  { code: 'CN-SD', name: 'Shandong', lat: 36.6512, lon: 117.1201, weight: 10.1 },
  { code: 'CN-HA', name: 'Henan', lat: 34.7466, lon: 113.6254, weight: 9.9 },
  { code: 'CN-YN', name: 'Yunnan', lat: 25.0389, lon: 102.7183, weight: 4.7 },
  { code: 'CN-GS', name: 'Gansu', lat: 36.0611, lon: 103.8343, weight: 2.5 },
];

const EARTH_RADIUS_KM = 6371;

/** Great-circle distance (haversine). */
export function distanceKm(latA: number, lonA: number, latB: number, lonB: number): number {
  const rad = Math.PI / 180;
  const dLat = (latB - latA) * rad;
  const dLon = (lonB - lonA) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(latA * rad) * Math.cos(latB * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** For each region, the regions whose centres are more than `km` away. */
export function regionsFartherThan(km: number): readonly (readonly number[])[] {
  return REGIONS.map((a) => REGIONS.flatMap((b, j) => (distanceKm(a.lat, a.lon, b.lat, b.lon) > km ? [j] : [])));
}
