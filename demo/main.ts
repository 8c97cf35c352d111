/** `npm run demo`. STUB: being implemented (issue 6). */
console.log('demo: not implemented yet');
