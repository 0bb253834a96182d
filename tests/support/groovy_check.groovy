// Compile many Groovy files in one JVM, as far as class generation (which is where a
// literal too long for the class file fails). Prints one line per file:
// OK<TAB>path or FAIL<TAB>path<TAB>message.
import org.codehaus.groovy.control.CompilationUnit
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.Phases

def failures = 0
def paths = args.length == 1 && args[0].startsWith('@') ? new File(args[0].substring(1)).readLines() : args.toList()
paths.each { path ->
    def config = new CompilerConfiguration()
    config.sourceEncoding = 'UTF-8'
    def unit = new CompilationUnit(config)
    unit.addSource(new File(path))
    try {
        unit.compile(Phases.CLASS_GENERATION)
        println "OK\t${path}"
    } catch (Throwable error) {
        failures++
        println "FAIL\t${path}\t" + String.valueOf(error.message).replaceAll(/\s+/, ' ')
    }
}
System.exit(failures ? 1 : 0)
