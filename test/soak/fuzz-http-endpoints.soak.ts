/** The long HTTP fuzz: FUZZ_RUNS requests per property (default 5,000) from a fresh seed (printed on failure). */
import { describeHttpEndpointFuzz } from '../fuzz/http-endpoints-fuzz';
import { soakRuns } from '../fuzz/hostile-values';

describeHttpEndpointFuzz({ numRuns: soakRuns(5_000) });
