/**
 * Experience Platform's standard identity namespaces, available in every sandbox. Codes and types follow Experience
 * Platform; the numeric ids are Tributary's own fixed numbers, equal to Experience Platform's where they are
 * published (ECID 4, Email 6, Phone 7, …), and all below CUSTOM_NAMESPACE_ID_BASE.
 */
export const ID_TYPES = [
  'COOKIE',
  'CROSS_DEVICE',
  'DEVICE',
  'EMAIL',
  'MOBILE',
  'NON_PEOPLE',
  'PHONE',
] as const;
export type IdType = (typeof ID_TYPES)[number];

export interface IdentityNamespace {
  readonly id: number;
  readonly code: string;
  readonly name: string;
  readonly description: string;
  readonly idType: IdType;
  readonly status: 'ACTIVE';
  readonly custom: boolean;
  /** Epoch milliseconds, as Experience Platform answers them. */
  readonly createTime: number;
  readonly updateTime: number;
}

/** Custom namespaces get ids from here up, so they never meet a standard one. */
export const CUSTOM_NAMESPACE_ID_BASE = 10_000_000;

const standard = (
  id: number,
  code: string,
  name: string,
  idType: IdType,
  description: string,
): IdentityNamespace => ({
  id,
  code,
  name,
  description,
  idType,
  status: 'ACTIVE',
  custom: false,
  createTime: 0,
  updateTime: 0,
});

export const STANDARD_NAMESPACES: readonly IdentityNamespace[] = [
  standard(0, 'CORE', 'CORE', 'COOKIE', 'Adobe Audience Manager (AAM) cookie id'),
  standard(4, 'ECID', 'ECID', 'COOKIE', 'Experience Cloud ID: 38 digits'),
  standard(6, 'Email', 'Email', 'EMAIL', 'Email address, lower-cased and trimmed'),
  standard(7, 'Phone', 'Phone', 'PHONE', 'Phone number'),
  standard(9, 'TNTID', 'TNTID', 'COOKIE', 'Adobe Target id'),
  standard(10, 'AAID', 'Adobe Analytics (Legacy ID)', 'COOKIE', 'Adobe Analytics legacy visitor id'),
  standard(
    11,
    'Email_LC_SHA256',
    'Emails (SHA256, lowercased)',
    'EMAIL',
    'SHA-256 hex of the lower-cased email',
  ),
  standard(12, 'Phone_E.164', 'Phone (E.164)', 'PHONE', 'Phone number in E.164 form'),
  standard(13, 'Phone_SHA256', 'Phone (SHA256)', 'PHONE', 'SHA-256 hex of the phone number'),
  standard(
    14,
    'Phone_SHA256_E.164',
    'Phone (SHA256_E.164)',
    'PHONE',
    'SHA-256 hex of the E.164 phone number',
  ),
  standard(15, 'CRMID', 'CRM ID', 'CROSS_DEVICE', 'Customer id from a CRM system'),
  standard(20, 'GAID', 'Google Ad ID (GAID)', 'DEVICE', 'Android advertising id'),
  standard(21, 'IDFA', 'Apple IDFA (ID for Advertisers)', 'DEVICE', 'iOS advertising id'),
  standard(22, 'WAID', 'Windows AID', 'DEVICE', 'Windows advertising id'),
  standard(23, 'GCLID', 'Google Click ID', 'NON_PEOPLE', 'Google Ads click id'),
  standard(24, 'APNS', 'Apple Push Notification service', 'DEVICE', 'APNs device token'),
  standard(25, 'FCM', 'Firebase Cloud Messaging', 'DEVICE', 'Firebase push token'),
  standard(411, 'AdCloud', 'AdCloud', 'COOKIE', 'Adobe Advertising Cloud id'),
];
