/** The short, seeded run of the mapping-rule fuzz (see mapping-expressions-fuzz.ts); test/soak/fuzz-*.soak.ts runs it long (npm run test:soak). */
import { describeMappingExpressionFuzz } from './mapping-expressions-fuzz';

describeMappingExpressionFuzz({ numRuns: 500, seed: 7 });
