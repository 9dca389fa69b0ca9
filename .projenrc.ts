import { configureNx } from './projenrc/nx';
import { addPackages } from './projenrc/packages';
import { createRoot } from './projenrc/root';

const root = createRoot();
configureNx(root);
addPackages(root);
root.synth();
