#!/usr/bin/env node
/**
 * Stores the platform admin key in a deployed Tributary: the API issues keys only to an admin, so the first one is
 * written straight into the API keys table, hashed, exactly as the local runtime bootstraps its own.
 *
 *   API_KEYS_TABLE_NAME=<ApiKeysTableName output> [TRIBUTARY_ADMIN_KEY=<key>] npx tsx bin/create-admin-key.ts
 *
 * Uses the AWS credentials and region of the environment. Without TRIBUTARY_ADMIN_KEY a key is generated and
 * printed once; running it again with the same key changes nothing. A new key while another is stored is a
 * rotation: TRIBUTARY_PREVIOUS_ADMIN_KEY_VALID_UNTIL (ISO 8601, at most 30 days ahead) says until when the old one
 * keeps working; without it the script refuses.
 */
import { dynamoDocumentClient, requiredEnv } from '../lambdas/adapters/aws-clients';
import { DynamoApiKeyStore } from '../lambdas/adapters/dynamo-api-key-store';
import { generateKey } from '../lambdas/core/api-keys/api-key';
import {
  ensurePlatformKey,
  PREVIOUS_KEY_END_VARIABLE,
  rotationEndOf,
} from '../lambdas/core/api-keys/api-keys';
import { ENV } from '../lambdas/config/env-names';

const givenKey = process.env.TRIBUTARY_ADMIN_KEY;
const key = givenKey ?? generateKey();
const previousValidUntil = rotationEndOf(process.env[PREVIOUS_KEY_END_VARIABLE]);
await ensurePlatformKey(
  new DynamoApiKeyStore(dynamoDocumentClient(), requiredEnv(ENV.apiKeysTable)),
  key,
  new Date(),
  previousValidUntil ? { previousValidUntil } : {},
);
console.log(givenKey ? 'The platform admin key is stored.' : `Platform admin key (shown once): ${key}`);
