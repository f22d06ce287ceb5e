import { describe, expect, it } from "vitest";
import { parseSendRequest } from "../../shared/accept/http-request.ts";
import type { AppError } from "../../shared/domain/errors.ts";
import { effectiveOptions } from "../../shared/render/options.ts";

const limits = { recipientsPerRequest: 1000, messageBytes: 10 * 1024 * 1024, attachmentsPerMessage: 50 };
const request = (extra: Record<string, unknown>) => ({
  Recipients: [{ Address: "a@example.org" }],
  Sender: { Address: "shop@example.com" },
  Subject: "Hi",
  Body: { Html: "<p>Hi</p>" },
  ...extra,
});

describe("tracking and language options of an HTTP send", () => {
  it("track opens and links, in English, with the unsubscribe link, unless the request says otherwise", () => {
    expect(parseSendRequest(request({}), limits).submission.options).toEqual({
      trackOpens: true,
      trackLinks: true,
      language: "en",
      skipUnsubscribe: false,
    });
    expect(
      parseSendRequest(request({ Language: "kz", TrackRead: 0, TrackLinks: false, SkipUnsubscribe: 1 }), limits).submission.options,
    ).toEqual({
      trackOpens: false,
      trackLinks: false,
      language: "kz",
      skipUnsubscribe: true,
    });
  });

  it("refuses a language it has no texts for, naming the field", () => {
    try {
      parseSendRequest(request({ Language: "xx" }), limits);
      expect.unreachable();
    } catch (error) {
      expect((error as AppError).reasons).toEqual([{ key: "invalid_value", ref: "Language" }]);
    }
  });
});

describe("what a message gets within its account's settings", () => {
  const asked = { trackOpens: true, trackLinks: true, language: "ru", skipUnsubscribe: true };

  it("tracks unless the message or the account turns it off", () => {
    expect(effectiveOptions(asked, {})).toMatchObject({ trackOpens: true, trackLinks: true });
    expect(effectiveOptions(asked, { trackOpens: false })).toMatchObject({ trackOpens: false, trackLinks: true });
    expect(effectiveOptions({ ...asked, trackLinks: false }, { trackLinks: true })).toMatchObject({ trackLinks: false });
  });

  it("skips the unsubscribe link only for accounts allowed to", () => {
    expect(effectiveOptions(asked, {}).skipUnsubscribe).toBe(false);
    expect(effectiveOptions(asked, { allowSkipUnsubscribe: true }).skipUnsubscribe).toBe(true);
    expect(effectiveOptions({ ...asked, skipUnsubscribe: false }, { allowSkipUnsubscribe: true }).skipUnsubscribe).toBe(false);
  });
});
