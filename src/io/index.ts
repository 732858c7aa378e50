export { FileSystemHandler, fileSystem, registerFileSystemRouter } from './file_system.js';
export { writeFileAtomic } from './atomic.js';
