/** The long mapping-rule fuzz: FUZZ_RUNS runs (default 20,000) from a fresh seed (printed on failure). */
import { describeMappingExpressionFuzz } from '../fuzz/mapping-expressions-fuzz';
import { soakRuns } from '../fuzz/hostile-values';

describeMappingExpressionFuzz({ numRuns: soakRuns(20_000) });
