// The kit's own tests use the capture io it offers to every CLI's tests.
export { Capture, captureIo } from '../src/capture-io';
