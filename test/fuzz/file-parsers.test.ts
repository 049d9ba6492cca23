/** The short, seeded run of the file-reader fuzz (see file-parsers-fuzz.ts); test/soak/fuzz-*.soak.ts runs it long (npm run test:soak). */
import { describeFileParserFuzz } from './file-parsers-fuzz';

describeFileParserFuzz({ numRuns: 150, seed: 7 });
