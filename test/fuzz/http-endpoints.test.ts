/** The short, seeded run of the HTTP fuzz (see http-endpoints-fuzz.ts); test/soak/fuzz-*.soak.ts runs it long (npm run test:soak). */
import { describeHttpEndpointFuzz } from './http-endpoints-fuzz';

describeHttpEndpointFuzz({ numRuns: 300, seed: 7 });
