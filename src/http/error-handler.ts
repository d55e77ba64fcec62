import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { DomainError, MfaRequired, Overloaded, TooManyAttempts, Unavailable } from '../domain/errors.js';
import { errorBody, ERROR_CODES, type ErrorCode } from './error-codes.js';
import { InvalidJson } from './json-body.js';
import { ForbiddenOrigin } from './origin-check.js';

/** Fastify's own request errors, by their code, in the API's terms. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
};

interface Classified {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryAfter?: number;
  /** Fields beside `error` in the body: the login challenge of `mfa_required`. */
  readonly extra?: Record<string, string>;
}

export function installErrorHandling(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const classified = classify(error);
    if (classified.code === 'internal_error') {
      logger.error({ reqId: request.id, err: error }, 'unhandled error');
    }
    sendError(reply, classified);
  });

  app.setNotFoundHandler((request, reply) => {
    sendError(reply, { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
}

/**
 * Errors Fastify raises before any route or hook runs (a URL that does not
 * decode, a path parameter too long): without this, they are answered in
 * Fastify's own shape instead of the API's.
 */
export function answerFrameworkError(_error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  sendError(reply, { code: 'invalid_request', message: 'the request URL is not valid' });
}

export function sendError(reply: FastifyReply, { code, message, retryAfter, extra }: Classified): FastifyReply {
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  return reply.code(ERROR_CODES[code].status).send({ ...errorBody(code, message), ...extra });
}

function classify(error: FastifyError): Classified {
  if (error instanceof Overloaded) return { code: error.code, message: error.message, retryAfter: error.retryAfterSeconds };
  if (error instanceof Unavailable) return { code: error.code, message: error.message, retryAfter: 1 };
  if (error instanceof TooManyAttempts) return { code: error.code, message: error.message, retryAfter: error.retryAfterSeconds };
  if (error instanceof MfaRequired) return { code: error.code, message: error.message, extra: { challenge: error.challenge } };
  if (error instanceof DomainError) return { code: error.code, message: error.message };
  if (error instanceof InvalidJson) return { code: 'invalid_json', message: error.message };
  if (error instanceof ForbiddenOrigin) return { code: 'forbidden_origin', message: error.message };
  if (error.validation) return { code: 'invalid_request', message: validationMessage(error) };

  const mapped = FASTIFY_CODES[error.code];
  if (mapped) return { code: mapped, message: error.message };
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { code: 'invalid_request', message: error.message };
  }
  return { code: 'internal_error', message: 'an unexpected error occurred' };
}

function validationMessage(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return 'the request is not valid';
  const where = `${error.validationContext ?? 'body'}${first.instancePath}`.replace(/\//g, '.');
  const extra = (first.params as { additionalProperty?: string }).additionalProperty;
  return extra !== undefined ? `${where} has an unknown field` : `${where} ${first.message ?? 'is not valid'}`;
}
