// The one implementation lives in cli-kit (ops' port forward uses it at run time); tests import it from here.
export { freeLoopbackPort } from '@blog-data/cli-kit';
