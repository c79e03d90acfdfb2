import { createHash, randomBytes } from 'node:crypto'

/** Recognisable in logs and secret scanners; the rest is 256 random bits. */
export const TOKEN_PREFIX = 'bwb_'
const TOKEN_PATTERN = /^bwb_[A-Za-z0-9_-]{43}$/
/** Enough of a token to tell it apart in a list, far too little to guess the rest. */
const SHOWN_LENGTH = TOKEN_PREFIX.length + 6

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url')
}

/**
 * SHA-256, not argon2: the token is 256 random bits, so there is nothing for a slow hash to
 * protect against, and it is checked on every crew request (the claim itself takes ~1 ms).
 */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest()
}

export function looksLikeToken(value: string): boolean {
  return TOKEN_PATTERN.test(value)
}

export function tokenPrefix(token: string): string {
  return token.slice(0, SHOWN_LENGTH)
}
