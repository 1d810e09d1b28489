/**
 * Imported first by a process whose stdout carries results only: what libraries print with console.log
 * (node-opcua's warnings, for one) goes to stderr instead.
 */
console.log = console.error;
console.info = console.error;
