import { describe, expect, it } from "vitest";
import { classifySmtpError } from "../../shared/transport/transport.ts";

describe("classifying answers from the receiving server", () => {
  it("treats 5.1.x as a permanent hard bounce", () => {
    const error = classifySmtpError({ responseCode: 550, response: "550 5.1.1 User unknown" });
    expect(error).toMatchObject({ permanent: true, hardBounce: true, responseCode: 550 });
  });

  it("treats a 5xx about the message, not the address, as permanent but not a hard bounce", () => {
    expect(classifySmtpError({ responseCode: 552, response: "552 5.3.4 Message too big" })).toMatchObject({
      permanent: true,
      hardBounce: false,
    });
  });

  it("treats 4xx and network errors as transient", () => {
    expect(classifySmtpError({ responseCode: 451, response: "451 4.2.0 Try later" })).toMatchObject({
      permanent: false,
      hardBounce: false,
    });
    expect(classifySmtpError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNECTION" }))).toMatchObject({
      permanent: false,
    });
  });

  it("reads the recipient's own answer when the envelope was rejected", () => {
    const error = classifySmtpError({
      message: "Can't send mail - all recipients were rejected",
      rejectedErrors: [{ responseCode: 550, response: "550 5.1.1 No such user" }],
    });
    expect(error).toMatchObject({ permanent: true, hardBounce: true, message: "550 5.1.1 No such user" });
  });
});
