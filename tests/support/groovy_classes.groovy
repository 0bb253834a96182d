// Compile Groovy files in one JVM and write their class files below a directory, one
// subdirectory per source (args: OUT_DIR FILE...). Prints OK<TAB>path or FAIL<TAB>path<TAB>message.
import org.codehaus.groovy.control.CompilationUnit
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.Phases

def out = new File(args[0])
args.drop(1).eachWithIndex { path, i ->
    def config = new CompilerConfiguration()
    config.sourceEncoding = 'UTF-8'
    config.targetDirectory = new File(out, String.valueOf(i))
    def unit = new CompilationUnit(config)
    unit.addSource(new File(path))
    try {
        unit.compile(Phases.OUTPUT)
        println "OK\t${path}"
    } catch (Throwable error) {
        println "FAIL\t${path}\t" + String.valueOf(error.message).replaceAll(/\s+/, ' ')
    }
}
