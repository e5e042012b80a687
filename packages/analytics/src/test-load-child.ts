/**
 * For the crash test: loads a chain into a warehouse one block per write, printing `loaded H`
 * after each, until the test kills it. Run as `node --import tsx test-load-child.ts STORE SPEC`.
 */
import { BlockStore } from '@paychain/store';
import { BlockLoader } from './block-loader.ts';
import { openWarehouse } from './open-warehouse.ts';

const [storePath, spec] = process.argv.slice(2);
if (storePath === undefined || spec === undefined) throw new Error('usage: test-load-child.ts STORE SPEC');
const store = BlockStore.open(storePath, { readonly: true });
const warehouse = await openWarehouse(spec);
const loader = new BlockLoader(warehouse);
process.stdout.write('ready\n');
for (let height = 1n; height <= store.certifiedHeight(); height++) {
  await loader.load(store, { throughHeight: height });
  process.stdout.write(`loaded ${height}\n`);
}
await warehouse.close();
store.close();
process.stdout.write('done\n');
