export { FileSystemHandler, fileSystem, registerFileSystemRouter } from './file-system.js';
export { writeFileAtomic, writeFileAtomicAsync } from './atomic.js';
