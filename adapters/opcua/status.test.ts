import { StatusCodes } from 'node-opcua';
import { describe, expect, it } from 'vitest';
import { qualityOf, statusText } from './status.js';

describe('OPC UA status → quality', () => {
  it('maps the severity bits', () => {
    expect(qualityOf(StatusCodes.Good)).toBe('good');
    expect(qualityOf(StatusCodes.GoodClamped)).toBe('good');
    expect(qualityOf(StatusCodes.UncertainLastUsableValue)).toBe('uncertain');
    expect(qualityOf(StatusCodes.UncertainSensorNotAccurate)).toBe('uncertain');
    expect(qualityOf(StatusCodes.BadSensorFailure)).toBe('bad');
    expect(qualityOf(StatusCodes.BadCommunicationError)).toBe('bad');
    expect(qualityOf(StatusCodes.BadNodeIdUnknown)).toBe('bad');
  });
  it('names the status with its code', () => {
    expect(statusText(StatusCodes.BadSensorFailure)).toBe('BadSensorFailure (0x808C0000)');
  });
});
