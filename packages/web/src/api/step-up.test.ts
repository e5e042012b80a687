// Goal: a payment answered `step_up_required` can be confirmed and sent again — the ask read from the error, the
// step-up posted without an Idempotency-Key (its answer is a secret), and the resend carrying the one-time token
// while the plain client does not. Method: a recording fetch answering canned responses; a table of error shapes.
import { describe, expect, it } from 'vitest';
import { apiErrorResponse, jsonResponse, recordingClient } from '../test/recording-fetch';
import { ApiError } from './client';
import { StepUpCancelled, stepUpAskOf } from './step-up';

describe('stepUpAskOf', () => {
  it.each([
    [{ reasons: ['big amount'], methods: ['password', 'passkey'] }, ['big amount'], ['password', 'passkey']],
    [{ reasons: ['r'], methods: ['passkey'] }, ['r'], ['passkey']],
    [{ reasons: 'r', methods: ['sms'] }, [], ['password']],
    [{}, [], ['password']],
    [{ reasons: ['a', 1, 'b'], methods: ['passkey', 'password'] }, ['a', 'b'], ['password', 'passkey']],
  ])('details %j → reasons %j, methods %j', (details, reasons, methods) => {
    expect(stepUpAskOf(new ApiError('step_up_required', 'm', 403, details))).toEqual({ reasons, methods });
  });

  it('is null for any other error', () => {
    expect(stepUpAskOf(new ApiError('risk_refused', 'm', 403, { reasons: ['x'] }))).toBeNull();
    expect(stepUpAskOf(new Error('step_up_required'))).toBeNull();
    expect(stepUpAskOf(null)).toBeNull();
  });

  it('a cancelled step-up carries its code', () => {
    expect(new StepUpCancelled('no').code).toBe('step_up_cancelled');
  });
});

describe('step-up through the client', () => {
  it('confirms with the password, then resends the same payment with the token', async () => {
    const body = { toPhone: '+8613900000000', amount: '350.00', currency: 'CNY' };
    const { calls, client } = recordingClient([
      apiErrorResponse(403, 'step_up_required', { reasons: ['over 300'], methods: ['password', 'passkey'] }),
      jsonResponse(201, { stepUpToken: 'su-1', expiresAtMs: 99 }),
      jsonResponse(200, { txId: 't', status: 'final' }),
      jsonResponse(200, { txId: 't2', status: 'final' }),
    ]);
    const first = await client.transfer(body).catch((error: unknown) => error);
    expect(stepUpAskOf(first)?.reasons).toEqual(['over 300']);
    const token = await client.stepUp({ password: 'pw' });
    expect(token).toEqual({ stepUpToken: 'su-1', expiresAtMs: 99 });
    await client.withStepUp(token.stepUpToken).transfer(body);
    await client.transfer(body);

    expect(calls[1]).toMatchObject({ url: '/v1/me/step-up', method: 'POST', body: '{"password":"pw"}' });
    expect(calls[1]?.headers['idempotency-key']).toBeUndefined();
    expect(calls[1]?.headers.authorization).toBe('Bearer tok');
    expect(calls[2]?.body).toBe(calls[0]?.body);
    expect(calls[2]?.headers['x-paychain-step-up']).toBe('su-1');
    expect(calls[2]?.headers.authorization).toBe('Bearer tok');
    expect(calls[0]?.headers['x-paychain-step-up']).toBeUndefined();
    expect(calls[3]?.headers['x-paychain-step-up']).toBeUndefined();
  });
});

describe('a wrong step-up password', () => {
  it('is step_up_failed and keeps the session (only the proof was wrong)', async () => {
    const { client, tokens } = recordingClient([apiErrorResponse(403, 'step_up_failed')]);
    await expect(client.stepUp({ password: 'wrong' })).rejects.toMatchObject({ code: 'step_up_failed' });
    expect(tokens.get()).toBe('tok');
  });
});
