/**
 * The file routes of the batch API (Experience Platform's paths): PUT a whole file, or INITIALIZE, PATCH ranges,
 * HEAD what arrived and COMPLETE; or ask for an upload URL (UPLOAD_URL, ours) for files beyond API Gateway's payload
 * limit. Where Experience Platform answers an empty body to PUT we answer `{path, sizeInBytes}`, so a client can
 * confirm what was stored.
 */
import { z } from 'zod';
import { inclusiveText } from '../../core/batches/uploads/byte-ranges';
import { invalidFilePath } from '../../core/batches/uploads/file-path';
import type { UploadProgress, UploadService } from '../../core/batches/uploads/upload-service';
import type { RouteMap } from '../api-handler';
import type { ApiRequest, ApiResult } from '../api-types';
import { parseInput } from '../../core/input';
import { pathId } from '../input';
import { invalid, tooLarge } from '../../core/errors/domain-error';
import { unsupportedMediaType } from '../problem';
import { isFileMediaType } from '../request';
import { FILE_MEDIA_TYPES, MAX_DIRECT_UPLOAD_BYTES, UPLOAD_URL_ROUTE } from '../route-table';

const FILE_ACTIONS = ['INITIALIZE', 'COMPLETE', 'UPLOAD_URL'] as const;

/** Header names in answers: the ranges received (as a HEAD of Experience Platform answers), the file's state. */
const FILE_HEADERS = {
  range: 'range',
  state: 'x-file-state',
  expectedLength: 'x-expected-length',
} as const;

interface FileTarget {
  readonly sandbox: string;
  readonly batchId: string;
  readonly datasetId: string;
  readonly path: string;
}

/** The file the URL names; the upload service checks the path itself. */
/** The file path as the client meant it: path parameters arrive as they appear in the URL, percent-encoded. */
function filePathOf(request: ApiRequest): string {
  const raw = request.pathParameters['filePath'] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalidFilePath('is not validly percent-encoded');
  }
}

const targetOf = (request: ApiRequest): FileTarget => ({
  sandbox: request.sandbox,
  batchId: pathId(request, 'batchId', 'batch'),
  datasetId: pathId(request, 'datasetId', 'dataset'),
  path: filePathOf(request),
});

/**
 * The body of a direct upload, sent as one of the file media types and at most MAX_DIRECT_UPLOAD_BYTES: a larger
 * one goes through an upload URL (or, for PATCH, in smaller ranges). API Gateway and the local runtime refuse what
 * would not fit Lambda's invoke payload before it gets here, naming the same way on.
 */
function fileBytes(request: ApiRequest): Buffer {
  if (!isFileMediaType(request.headers['content-type'])) {
    throw unsupportedMediaType(`a file must be sent as one of ${FILE_MEDIA_TYPES.join(', ')}`);
  }
  const bytes = request.bodyBytes ?? Buffer.alloc(0);
  if (bytes.length > MAX_DIRECT_UPLOAD_BYTES) {
    throw tooLarge(
      `the body is ${bytes.length} bytes; a direct upload takes at most ${MAX_DIRECT_UPLOAD_BYTES} bytes. ` +
        `Upload a larger file through an upload URL (${UPLOAD_URL_ROUTE}) or in smaller ranges (PATCH)`,
    );
  }
  return bytes;
}

/** UPLOAD_URL's body: the exact size of the file, which the URL signs. */
const uploadUrlInput = z.strictObject({
  sizeInBytes: z.number().int().min(0),
});

/** `Range: bytes=0-1023,2048-4095` (HTTP's inclusive ends); absent when nothing has arrived. */
function progressHeaders(progress: UploadProgress): Record<string, string> {
  return {
    ...(progress.ranges.length > 0
      ? {
          [FILE_HEADERS.range]: `bytes=${progress.ranges.map(inclusiveText).join(',')}`,
        }
      : {}),
    [FILE_HEADERS.state]: progress.state,
    ...(progress.expectedSize === undefined
      ? {}
      : { [FILE_HEADERS.expectedLength]: String(progress.expectedSize) }),
  };
}

function actionOf(request: ApiRequest): (typeof FILE_ACTIONS)[number] {
  const { action } = request.query;
  if (!(FILE_ACTIONS as readonly (string | undefined)[]).includes(action)) {
    const message = `action must be one of ${FILE_ACTIONS.join(', ')}`;
    throw invalid('invalid-action', message, [{ pointer: '/action', keyword: 'enum', message }]);
  }
  return action as (typeof FILE_ACTIONS)[number];
}

async function fileAction(uploads: UploadService, request: ApiRequest): Promise<ApiResult> {
  const action = actionOf(request);
  const { sandbox, batchId, datasetId, path } = targetOf(request);
  switch (action) {
    case 'INITIALIZE': {
      const { created } = await uploads.initialize(sandbox, batchId, datasetId, path);
      return { status: created ? 201 : 200 };
    }
    case 'COMPLETE': {
      const file = await uploads.completeFile(sandbox, batchId, datasetId, path);
      return { status: 200, body: { name: file.path, sizeInBytes: file.size } };
    }
    case 'UPLOAD_URL': {
      const { sizeInBytes } = parseInput(uploadUrlInput, request.body ?? {});
      return {
        status: 200,
        body: await uploads.uploadUrl(sandbox, batchId, datasetId, path, sizeInBytes),
      };
    }
  }
}

export function batchFileRoutes(deps: { readonly uploads: UploadService }): RouteMap {
  const { uploads } = deps;
  return {
    'PUT /batches/{batchId}/datasets/{datasetId}/files/{filePath+}': async (request) => {
      const bytes = fileBytes(request);
      const { sandbox, batchId, datasetId, path } = targetOf(request);
      const { created, file } = await uploads.putFile(sandbox, batchId, datasetId, path, bytes);
      return { status: created ? 201 : 200, body: { path: file.path, sizeInBytes: file.size } };
    },
    'PATCH /batches/{batchId}/datasets/{datasetId}/files/{filePath+}': async (request) => {
      const bytes = fileBytes(request);
      const { sandbox, batchId, datasetId, path } = targetOf(request);
      const progress = await uploads.patch(
        sandbox,
        batchId,
        datasetId,
        path,
        request.headers['content-range'],
        bytes,
      );
      return {
        status: 200,
        headers: progressHeaders(progress),
        body: {
          name: path,
          sizeInBytes: progress.receivedBytes,
          // HTTP's inclusive ends, as in Content-Range, so a client compares them with what it sent.
          ranges: progress.ranges.map((range) => ({ start: range.start, end: range.end - 1 })),
        },
      };
    },
    'HEAD /batches/{batchId}/datasets/{datasetId}/files/{filePath+}': async (request) => {
      const { sandbox, batchId, datasetId, path } = targetOf(request);
      const progress = await uploads.receivedRanges(sandbox, batchId, datasetId, path);
      return { status: 200, headers: progressHeaders(progress) };
    },
    'POST /batches/{batchId}/datasets/{datasetId}/files/{filePath+}': (request) =>
      fileAction(uploads, request),
  };
}
