/**
 * Passkeys (WebAuthn) for sign-up and log-in, with @simplewebauthn/server doing the protocol: options with a fresh
 * challenge, then the browser's answer verified against that challenge, this relying party's id and origins, and
 * (for log-in) the credential's stored public key and counter.
 *
 * A challenge lives in memory for CHALLENGE_LIFETIME_MS, one per (purpose, phone), and is used at most once: a
 * restart only makes a user start the ceremony again, and nothing is acknowledged before it completes. WebAuthn needs
 * a host name, not an IP address, as the relying party id; the app must be opened under one of `origins`.
 */
import { randomBytes } from 'node:crypto';
import { assert } from '@paychain/core';
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { Passkey } from '../db/gateway-db.ts';

export const CHALLENGE_LIFETIME_MS = 5 * 60_000;
/** Pending ceremonies kept at most; the oldest goes first. */
const CHALLENGES_MAX = 10_000;

export interface PasskeyConfig {
  /** The relying party id: the site's host name (e.g. `localhost`, `pay.example.cn`). */
  readonly rpId: string;
  readonly rpName: string;
  /** Origins the app is served from, e.g. `http://localhost:8080`. */
  readonly origins: readonly string[];
}

type Purpose = 'register' | 'authenticate';

interface Pending {
  readonly challenge: string;
  readonly expiresAtMs: number;
}

/** A verified registration: the credential to store. */
export type NewPasskey = Omit<Passkey, 'userId' | 'createdAtMs'>;

export class PasskeyCeremonies {
  readonly config: PasskeyConfig;
  private readonly pending = new Map<string, Pending>();

  constructor(config: PasskeyConfig) {
    assert(config.origins.length > 0, 'a passkey relying party has an origin');
    this.config = config;
  }

  async registrationOptions(phone: string, nowMs: number): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const options = await generateRegistrationOptions({
      rpName: this.config.rpName,
      rpID: this.config.rpId,
      userName: phone,
      userID: new Uint8Array(randomBytes(16)),
      attestationType: 'none',
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
    this.remember('register', phone, options.challenge, nowMs);
    return options;
  }

  /** The credential, or null when the answer does not verify or no ceremony is pending for the phone. */
  async verifyRegistration(
    phone: string,
    response: RegistrationResponseJSON,
    nowMs: number,
  ): Promise<NewPasskey | null> {
    const challenge = this.take('register', phone, nowMs);
    if (challenge === null) return null;
    try {
      const verified = await verifyRegistrationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: [...this.config.origins],
        expectedRPID: this.config.rpId,
        requireUserVerification: false,
      });
      if (!verified.verified) return null;
      const { credential } = verified.registrationInfo;
      return {
        credentialId: credential.id,
        publicKey: new Uint8Array(credential.publicKey),
        counter: credential.counter,
        transports: (credential.transports ?? []).join(','),
      };
    } catch {
      return null;
    }
  }

  async authenticationOptions(
    phone: string,
    passkeys: readonly Passkey[],
    nowMs: number,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const options = await generateAuthenticationOptions({
      rpID: this.config.rpId,
      allowCredentials: passkeys.map((p) => ({
        id: p.credentialId,
        transports: transportsOf(p),
      })),
      userVerification: 'preferred',
    });
    this.remember('authenticate', phone, options.challenge, nowMs);
    return options;
  }

  /** The credential's new counter, or null when the answer does not verify for this stored passkey. */
  async verifyAuthentication(
    phone: string,
    passkey: Passkey,
    response: AuthenticationResponseJSON,
    nowMs: number,
  ): Promise<number | null> {
    const challenge = this.take('authenticate', phone, nowMs);
    if (challenge === null || response.id !== passkey.credentialId) return null;
    try {
      const verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: [...this.config.origins],
        expectedRPID: this.config.rpId,
        credential: {
          id: passkey.credentialId,
          publicKey: new Uint8Array(passkey.publicKey),
          counter: passkey.counter,
          transports: transportsOf(passkey),
        },
        requireUserVerification: false,
      });
      return verified.verified ? verified.authenticationInfo.newCounter : null;
    } catch {
      return null;
    }
  }

  private remember(purpose: Purpose, phone: string, challenge: string, nowMs: number): void {
    const key = `${purpose}:${phone}`;
    this.pending.delete(key);
    if (this.pending.size >= CHALLENGES_MAX) {
      const oldest = this.pending.keys().next();
      if (oldest.done !== true) this.pending.delete(oldest.value);
    }
    this.pending.set(key, { challenge, expiresAtMs: nowMs + CHALLENGE_LIFETIME_MS });
  }

  /** The pending challenge, removed: each is answered at most once. */
  private take(purpose: Purpose, phone: string, nowMs: number): string | null {
    const key = `${purpose}:${phone}`;
    const found = this.pending.get(key);
    this.pending.delete(key);
    return found === undefined || found.expiresAtMs <= nowMs ? null : found.challenge;
  }
}

function transportsOf(passkey: Passkey): AuthenticatorTransport[] {
  return passkey.transports
    .split(',')
    .filter((t) => t.length > 0)
    .map((t) => t as AuthenticatorTransport);
}
