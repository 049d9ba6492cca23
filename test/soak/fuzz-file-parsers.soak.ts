/** The long file-reader fuzz: FUZZ_RUNS runs (default 3,000) from a fresh seed each time (printed on failure). */
import { describeFileParserFuzz } from '../fuzz/file-parsers-fuzz';
import { soakRuns } from '../fuzz/hostile-values';

describeFileParserFuzz({ numRuns: soakRuns(3_000) });
