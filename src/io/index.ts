export { FileSystemHandler, fileSystem, registerFileSystemRouter } from './file_system.js';
export { writeFileAtomic, writeFileAtomicAsync } from './atomic.js';
