/** Object keys in S3 event notifications are URL-encoded, with spaces as `+`: the key as written. */
export const decodeS3EventKey = (key: string): string => decodeURIComponent(key.replaceAll('+', ' '));
