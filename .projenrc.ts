import { configureCircleCi } from './projenrc/circleci';
import { configureNx } from './projenrc/nx';
import { addPackages } from './projenrc/packages';
import { createRoot } from './projenrc/root';

const root = createRoot();
configureNx(root);
configureCircleCi(root);
addPackages(root);
root.synth();
