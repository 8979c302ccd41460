import { describe, expect, it } from "vitest";
import { ApiError, errorMessage } from "./errors";

const refused = new ApiError({
  status: 422,
  code: "validation_error",
  title: "Invalid request",
  detail: "body.currency: Value error, 'ZZZ' is not an ISO 4217 currency code; body.effective_on: Input should be a valid date",
  fieldErrors: [
    { loc: ["body", "currency"], msg: "Value error, 'ZZZ' is not an ISO 4217 currency code", type: "value_error" },
    { loc: ["body", "effective_on"], msg: "Input should be a valid date", type: "date_parsing" },
  ],
});

describe("a validation error's field errors", () => {
  it("read as a sentence naming each field, without pydantic's 'Value error,'", () => {
    expect(errorMessage(refused)).toBe("Currency: 'ZZZ' is not an ISO 4217 currency code; Effective on: Input should be a valid date");
  });

  it("land on the form's fields without the prefix either", () => {
    expect(refused.fieldErrorMap()).toEqual({
      currency: "'ZZZ' is not an ISO 4217 currency code",
      effective_on: "Input should be a valid date",
    });
  });

  it("leave an error without them to its detail", () => {
    expect(errorMessage(new ApiError({ status: 409, code: "base_currency_rate", title: "Conflict", detail: "The base currency needs no rate" }))).toBe(
      "The base currency needs no rate",
    );
  });
});
